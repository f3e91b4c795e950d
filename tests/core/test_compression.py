"""Compressed HTML: pages are gzipped, file downloads and small answers are left alone."""

import gzip

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from applications.models import Application, MaterialFile
from audits.models import AuditTeamMember
from tests.factories import ApplicationFactory, AuditFactory, UserFactory, in_state

pytestmark = pytest.mark.django_db
GZIP = {"accept-encoding": "gzip, deflate, br"}


def test_the_auditor_form_is_gzipped(client, organization):
    lead = UserFactory(role="auditor")
    audit = AuditFactory(application=in_state(Application.Status.AUDIT_PLANNED, organization=organization))
    AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
    client.force_login(lead)
    url = reverse("audits:form", args=[audit.pk])
    plain = client.get(url)
    response = client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content).decode()
    assert 'src="/static/js/audit-form.js"' in page
    assert len(response.content) < len(plain.content) / 4
    print(f"\nbench: auditor form {len(plain.content)} bytes, gzipped {len(response.content)} bytes")


def test_the_home_page_is_gzipped_only_when_the_browser_asks(client):
    response = client.get(reverse("home"), headers=GZIP)
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).decode().lstrip().startswith("<!doctype html>")
    plain = client.get(reverse("home"))
    assert not plain.has_header("Content-Encoding")
    assert plain.content.decode().lstrip().startswith("<!doctype html>")


def test_the_padding_makes_the_size_vary(client):
    """BREACH: Django adds 1–100 random bytes to every gzipped answer, so one page has many sizes."""
    sizes = {len(client.get(reverse("home"), headers=GZIP).content) for _ in range(8)}
    assert len(sizes) > 1


def test_a_file_download_is_streamed_as_stored_and_not_gzipped(client, applicant):
    application = ApplicationFactory(organization=applicant.membership.organization)
    content = b"%PDF-1.4 " + b"licence " * 200  # compressible, larger than gzip's 200-byte floor
    name = default_storage.save("materials/licence.pdf", ContentFile(content))
    material = MaterialFile.objects.create(
        item=application.material_items.first(),
        version=1,
        file=name,
        original_name="licence.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        uploaded_by=applicant,
    )
    client.force_login(applicant)
    response = client.get(reverse("applications:material_file", args=[material.pk]), headers=GZIP)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert response["Content-Length"] == str(len(content))
    assert b"".join(response.streaming_content) == content
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
