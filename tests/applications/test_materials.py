import hashlib

import pytest
from django.core.files.base import ContentFile

from applications.models import Application, MaterialItem
from certportal.workflow import InvalidTransition, TransitionError
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _item(applicant):
    application = ApplicationFactory(organization=applicant.membership.organization)
    return application.material_items.get(material_type__code="business_licence")


def _set_application(item, status):
    """Setup shortcut: the application's own transitions are tested in test_application_transitions."""
    Application.objects.filter(pk=item.application_id).update(status=status)
    item.application.refresh_from_db()


def test_every_upload_is_kept_as_a_version_with_its_fingerprint(applicant, reviewer):
    item = _item(applicant)
    first = item.add_file(
        ContentFile(b"%PDF-1 one"),
        by=applicant,
        original_name="执照.pdf",
        content_type="application/pdf",
        extension=".pdf",
    )
    _set_application(item, Application.Status.SUBMITTED)
    item.reject(by=reviewer, reason="模糊")
    _set_application(item, Application.Status.RETURNED)
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
    item = _item(applicant)
    with pytest.raises(InvalidTransition):
        item.accept(by=reviewer)  # nothing uploaded yet
    item.add_file(
        ContentFile(b"x"), by=applicant, original_name="a.pdf", content_type="application/pdf", extension=".pdf"
    )
    with pytest.raises(TransitionError):  # the application is still a draft: materials are reviewed once submitted
        item.accept(by=reviewer)
    _set_application(item, Application.Status.SUBMITTED)
    with pytest.raises(TransitionError):
        item.reject(by=reviewer, reason="")
    item.accept(by=reviewer)
    assert (item.status, item.reviewed_by) == (MaterialItem.Status.ACCEPTED, reviewer)
    _set_application(item, Application.Status.RETURNED)
    with pytest.raises(InvalidTransition):  # an accepted item keeps its file
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
