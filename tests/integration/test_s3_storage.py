"""Production storage end to end: materials and the certificate PDF in S3, downloads through presigned URLs.

Real Redis, a live worker process, an S3 API server on loopback, and the test database (PostgreSQL in the
`make test-pg` run). The review, payment and audit steps in between are walked by the browser journey test.
"""

import hashlib
import urllib.request

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, MaterialFile, ServiceCategory
from audits.models import Audit, IndicatorSet
from certificates.models import Certificate
from certificates.services import grant_certification
from tests.applications import samples
from tests.factories import ApplicationFactory, AuditFactory, MembershipFactory, UserFactory

from .conftest import wait_for

pytestmark = pytest.mark.integration


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a presigned URL on loopback
        return response.read(), response.headers  # case-insensitive


def test_materials_and_certificate_live_in_s3_and_download_through_presigned_urls(s3_storage, start_worker, client):
    worker = start_worker(env=s3_storage.env)
    applicant = MembershipFactory().user
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(applicant)
    application = ApplicationFactory(organization=applicant.membership.organization, created_by=applicant)
    application.categories.set(ServiceCategory.objects.all()[:1])

    uploaded = samples.pdf()
    for item in application.material_items.filter(material_type__required=True):
        file = SimpleUploadedFile(f"{item.material_type.code}.pdf", uploaded, content_type="application/pdf")
        response = client.post(reverse("applications:upload_material", args=[item.pk]), {"files": [file]})
        assert response.status_code == 302
    stored = MaterialFile.objects.filter(item__application=application)
    assert stored.exists()
    assert {f.file.name for f in stored} <= set(s3_storage.keys())

    response = client.post(reverse("applications:submit", args=[application.pk]), {"confirm": "on"}, follow=True)
    assert "Your application is submitted" in response.content.decode()

    # Setup shortcut: the review, fee and audit steps are not what this test is about.
    application.refresh_from_db()
    application.status, application.grade, application.score = Application.Status.AWAITING_DECISION, "four_star", 91
    application.save(update_fields=["status", "grade", "score"])
    IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)
    AuditFactory(application=application, status=Audit.Status.SUBMITTED, grade="four_star", score=91)
    certificate = grant_certification(application=application, by=UserFactory(role="decision_maker"))

    rendered = wait_for(lambda: Certificate.objects.filter(pk=certificate.pk).exclude(pdf="").first(), timeout=90)
    assert rendered, worker.log.read_text()[-3000:]
    assert rendered.pdf.name == rendered.pdf_storage_key
    assert rendered.pdf.name in s3_storage.keys("certificates/")

    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 302
    assert response.content == b""
    pdf, headers = fetch(response["Location"])
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == rendered.pdf_sha256
    assert headers["Content-Disposition"] == f'attachment; filename="{rendered.number}.pdf"'
    assert headers["Content-Type"] == "application/pdf"

    material = stored.first()
    response = client.get(reverse("applications:material_file", args=[material.pk]))
    assert response.status_code == 302
    served = fetch(response["Location"])[0]  # the rewritten PDF (applications/pdfsafe.py), not the upload
    assert hashlib.sha256(served).hexdigest() == material.stored_sha256
    assert material.sha256 == hashlib.sha256(uploaded).hexdigest()

    client.logout()  # drops the cookies too
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("certificates:verify", args=[rendered.verification_token])).content.decode()
    assert rendered.number in page
    assert rendered.pdf_sha256 in page
    copy = SimpleUploadedFile("copy.pdf", pdf, content_type="application/pdf")
    response = client.post(reverse("certificates:compare", args=[rendered.verification_token]), {"pdf": copy})
    assert "Yes: identical to the certificate we issued." in response.content.decode()
