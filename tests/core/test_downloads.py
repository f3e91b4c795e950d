"""Private downloads: streamed locally, a short-lived presigned S3 URL in production (DJ-5)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.stub import Stubber
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from applications.models import MaterialFile
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

NAME = "营业执照 2026.pdf"
DISPOSITION = "attachment; filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%202026.pdf"


@pytest.fixture
def s3_settings(settings):
    settings.AWS_STORAGE_BUCKET_NAME = "certportal-private"
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"  # never contacted: presigning happens locally
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "test-key"
    settings.AWS_SECRET_ACCESS_KEY = "test-secret"
    settings.AWS_QUERYSTRING_EXPIRE = 3600  # longer than a download link may live: capped at 300 s
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    return settings


@pytest.fixture
def material_file(applicant):
    application = ApplicationFactory(organization=applicant.membership.organization)
    name = default_storage.save("materials/licence.pdf", ContentFile(b"%PDF-1.4 licence"))
    return MaterialFile.objects.create(
        item=application.material_items.first(),
        version=1,
        file=name,
        original_name=NAME,
        content_type="application/pdf",
        size=16,
        sha256="0" * 64,
        uploaded_by=applicant,
    )


def test_locally_the_file_is_streamed_as_an_attachment(client, applicant, material_file):
    client.force_login(applicant)
    response = client.get(reverse("applications:material_file", args=[material_file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 licence"
    assert response["Content-Disposition"] == DISPOSITION
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_on_s3_the_user_is_sent_to_a_presigned_url_and_django_streams_nothing(
    client, applicant, material_file, s3_settings
):
    client.force_login(applicant)
    with Stubber(default_storage.connection.meta.client) as stubber:  # any call to S3 itself would fail
        response = client.get(reverse("applications:material_file", args=[material_file.pk]))
        stubber.assert_no_pending_responses()
    assert response.status_code == 302
    assert response.content == b""
    assert response["Cache-Control"] == "private, no-store"
    location = urlsplit(response["Location"])
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert (location.scheme, location.netloc) == ("http", "127.0.0.1:9")
    assert location.path == f"/certportal-private/{material_file.file.name}"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert 0 < int(query["X-Amz-Expires"]) <= 300
    assert query["response-content-disposition"] == DISPOSITION
    assert query["response-content-type"] == "application/pdf"
    assert "X-Amz-Signature" in query


def test_on_s3_an_outsider_gets_404_and_no_url(client, other_applicant, material_file, s3_settings):
    client.force_login(other_applicant)
    response = client.get(reverse("applications:material_file", args=[material_file.pk]))
    assert response.status_code == 404
    assert "Location" not in response


def test_on_s3_an_ascii_name_keeps_a_plain_filename(material_file, s3_settings):
    from certportal.downloads import attachment_response

    response = attachment_response(material_file.file, "CP-2026-000001.pdf", "application/pdf")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["response-content-disposition"] == ['attachment; filename="CP-2026-000001.pdf"']
