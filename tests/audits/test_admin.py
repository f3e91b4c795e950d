"""The admin's on-site audit pages: photos (picture for staff, original only with its permission), answers."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from audits.models import AuditPhoto, CorrectiveAction

pytestmark = pytest.mark.django_db


def test_the_photo_admin_is_read_only_with_the_original_behind_its_permission(client, administrator, audit, lead):
    photo = AuditPhoto(
        audit=audit, original_name="IMG_1.jpg", content_type="image/jpeg", size=3, sha256="0" * 64, uploaded_by=lead
    )
    photo.file.save(photo.storage_key("original"), ContentFile(b"\xff\xd8\xff"), save=False)
    photo.save()
    client.force_login(administrator)
    listing = client.get(reverse("admin:audits_auditphoto_changelist"))
    assert listing.status_code == 200 and "IMG_1.jpg" not in listing.content.decode()  # shows the caption/preview
    page = client.get(reverse("admin:audits_auditphoto_change", args=[photo.pk]))
    assert page.status_code == 200
    assert reverse("audits:photo_original", args=[photo.pk]) in page.content.decode()
    assert not page.context["has_change_permission"]


def test_the_nonconformity_admin_lists_the_answers_with_their_evidence(client, administrator, audit, lead, applicant):
    nc = audit.raise_nonconformity(by=lead, description="投诉记录不全")
    action = CorrectiveAction.objects.create(nonconformity=nc, round=1, text="已补全", submitted_by=applicant)
    evidence = action.evidence.create(
        original_name="台账.pdf", content_type="application/pdf", size=1, sha256="0" * 64, uploaded_by=applicant
    )
    client.force_login(administrator)
    page = client.get(reverse("admin:audits_nonconformity_change", args=[nc.pk])).content.decode()
    assert "已补全" in page and reverse("audits:evidence", args=[evidence.pk]) in page
