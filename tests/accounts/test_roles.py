import pytest
from django.contrib.auth.models import Group, Permission

from accounts import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_five_role_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "applicant",
        "reviewer",
        "auditor",
        "decision_maker",
        "administrator",
    }


def _perms(role):
    return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}


def test_each_role_has_what_it_needs_and_not_more():
    assert _perms("applicant") == set()
    assert {"applications.review_application", "applications.confirm_payment", "audits.plan_audit"} <= _perms(
        "reviewer"
    )
    assert "certificates.decide_application" not in _perms("reviewer")
    assert _perms("auditor") == {"audits.conduct_audit"}
    assert "certificates.decide_application" in _perms("decision_maker")
    assert "applications.review_application" not in _perms("decision_maker")
    assert _perms("administrator") == {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()}


def test_user_role_helpers():
    reviewer = UserFactory(role="reviewer")
    assert reviewer.has_role(roles.REVIEWER)
    assert not reviewer.has_role(roles.DECISION_MAKER)
    assert reviewer.has_perm("applications.review_application")
    assert not reviewer.has_perm("certificates.decide_application")
