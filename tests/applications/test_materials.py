import hashlib

import pytest
from django.core.files.base import ContentFile

from applications.models import MaterialItem
from certportal.workflow import InvalidTransition, TransitionError
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _item():
    application = ApplicationFactory()
    return application.material_items.get(material_type__code="business_licence")


def test_every_upload_is_kept_as_a_version_with_its_fingerprint(applicant):
    item = _item()
    first = item.add_file(
        ContentFile(b"%PDF-1 one"),
        by=applicant,
        original_name="执照.pdf",
        content_type="application/pdf",
        extension=".pdf",
    )
    item.reject(by=applicant, reason="模糊")
    second = item.add_file(
        ContentFile(b"%PDF-1 two"),
        by=applicant,
        original_name="执照2.pdf",
        content_type="application/pdf",
        extension=".pdf",
    )
    assert (first.version, second.version) == (1, 2)
    assert item.files.count() == 2
    assert second.sha256 == hashlib.sha256(b"%PDF-1 two").hexdigest()
    assert second.size == len(b"%PDF-1 two")
    assert second.file.name.startswith("materials/") and second.file.name.endswith(".pdf")
    assert "执照" not in second.file.name
    assert item.status == MaterialItem.Status.UPLOADED
    assert item.latest_file == second


def test_review_decisions(reviewer, applicant):
    item = _item()
    with pytest.raises(InvalidTransition):
        item.accept(by=reviewer)  # nothing uploaded yet
    item.add_file(
        ContentFile(b"x"), by=applicant, original_name="a.pdf", content_type="application/pdf", extension=".pdf"
    )
    with pytest.raises(TransitionError):
        item.reject(by=reviewer, reason="")
    item.accept(by=reviewer)
    assert (item.status, item.reviewed_by) == (MaterialItem.Status.ACCEPTED, reviewer)
    with pytest.raises(InvalidTransition):
        item.add_file(
            ContentFile(b"y"), by=applicant, original_name="b.pdf", content_type="application/pdf", extension=".pdf"
        )
    assert item.history.first().history_user == reviewer


def test_the_checklist_has_one_item_per_active_material_type():
    application = ApplicationFactory()
    application.ensure_material_items()  # idempotent
    from applications.models import MaterialType

    assert application.material_items.count() == MaterialType.objects.filter(is_active=True).count() == 12
    codes = set(application.material_items.values_list("material_type__code", flat=True))
    assert "business_licence" in codes
    assert not any("organization_code" in c or "tax" in c for c in codes)  # obsolete since 2015
