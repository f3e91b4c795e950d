"""Planning the audit: the form, the man-day suggestion, and the team rules (conflict, rotation, competence)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from applications.models import Application, Notification, ServiceCategory
from audits import services
from audits.models import Audit, AuditTeamMember
from certportal.workflow import TransitionError
from tests.factories import AuditFactory, AuditorProfileFactory, ConflictOfInterestFactory, UserFactory, in_state
from tests.staff.conftest import change_url, messages_of

pytestmark = pytest.mark.django_db
S = Application.Status


def plan_url(application):
    return reverse("admin:audits_audit_plan", args=[application.pk])


def form_data(auditor, members=(), **overrides):
    start = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "lead": auditor.pk,
        "members": [m.pk for m in members],
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(days=1)).isoformat(),
        "onsite_man_days": "5",
    }
    data.update(overrides)
    return data


def past_cycle(organization, *auditors):
    """A finished certification cycle of the organization, audited by `auditors`."""
    application = in_state(S.CERTIFIED, organization=organization)
    audit = AuditFactory(application=application)
    for index, auditor in enumerate(auditors):
        AuditTeamMember.objects.create(audit=audit, auditor=auditor, role="lead" if index == 0 else "member")
    return application


# --- the page ------------------------------------------------------------------------------------------------


def test_the_form_suggests_the_on_site_man_days_from_the_table(reviewer_client, paid, qualified_auditor):
    response = reviewer_client.get(plan_url(paid))
    assert response.status_code == 200
    assert response.context["form"].initial["onsite_man_days"] == Decimal("5")  # 26–45 employees, initial
    assert [user for user, problems in response.context["candidates"] if not problems] == [qualified_auditor]


def test_planning_creates_the_audit_and_tells_the_applicant(
    reviewer_client, reviewer, paid, qualified_auditor, category, applicant, django_capture_on_commit_callbacks
):
    member = AuditorProfileFactory(competences=[category]).user
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(plan_url(paid), form_data(qualified_auditor, [member]))
    assert response.status_code == 302 and response["Location"] == change_url(paid)
    paid.refresh_from_db()
    assert paid.status == S.AUDIT_PLANNED
    audit = Audit.objects.get(application=paid)
    assert audit.onsite_man_days == Decimal("5") and audit.kind == Audit.Kind.INITIAL
    assert {(m.auditor, m.role) for m in audit.team.all()} == {(qualified_auditor, "lead"), (member, "member")}
    assert audit.history.first().history_user == reviewer
    notice = Notification.objects.get(kind=Notification.Kind.AUDIT_PLANNED, user=applicant)
    assert str(qualified_auditor) in notice.detail
    # one e-mail about the planned audit, not a second generic "status changed" one
    assert not Notification.objects.filter(kind=Notification.Kind.STATUS_CHANGED, status=S.AUDIT_PLANNED).exists()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.AUDIT_PLANNED, S.CERTIFIED])
def test_no_planning_before_payment_or_twice(reviewer_client, status, qualified_auditor):
    application = in_state(status)
    response = reviewer_client.get(plan_url(application), follow=True)
    assert any("paid" in m for m in messages_of(response))
    response = reviewer_client.post(plan_url(application), form_data(qualified_auditor))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == status
    assert not Audit.objects.filter(application=application).exists()


def test_the_service_refuses_an_unpaid_application_too(reviewer, qualified_auditor):
    application = in_state(S.ACCEPTED)
    with pytest.raises(TransitionError):
        services.plan_audit(
            application=application,
            by=reviewer,
            lead=qualified_auditor,
            start=datetime.date(2026, 12, 1),
            end=datetime.date(2026, 12, 2),
            onsite_man_days=Decimal("2"),
        )
    assert not Audit.objects.exists()


def test_a_conflicted_auditor_is_blocked_with_the_reason(reviewer_client, paid, category):
    conflict = ConflictOfInterestFactory(
        organization=paid.organization, profile=AuditorProfileFactory(competences=[category])
    )
    response = reviewer_client.post(plan_url(paid), form_data(conflict.profile.user))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["lead"])
    assert "conflict of interest" in errors and conflict.reason in errors
    paid.refresh_from_db()
    assert paid.status == S.PAID


def test_a_conflict_that_ended_still_blocks(paid, category):
    """A past tie counts too (design.md §3.1: "no tie to the organization"); this test once said the opposite."""
    conflict = ConflictOfInterestFactory(
        organization=paid.organization,
        profile=AuditorProfileFactory(competences=[category]),
        declared_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2021, 1, 1),
    )
    with translation.override("en"):  # the dates in the language's format (certportal/formats)
        (problem,) = services.auditor_problems(conflict.profile.user, paid)
    assert "1 Jan 2020 to 1 Jan 2021" in problem and conflict.reason in problem


def test_an_auditor_of_the_last_two_cycles_is_rotated_out(reviewer_client, paid, qualified_auditor):
    past_cycle(paid.organization, qualified_auditor)
    past_cycle(paid.organization, qualified_auditor)
    response = reviewer_client.post(plan_url(paid), form_data(qualified_auditor))
    assert response.status_code == 200
    assert "rotation" in " ".join(response.context["form"].errors["lead"])
    assert not Audit.objects.filter(application=paid).exists()


def test_rotation_needs_every_one_of_the_last_cycles(paid, qualified_auditor, category):
    other = AuditorProfileFactory(competences=[category]).user
    past_cycle(paid.organization, qualified_auditor)
    assert not services.is_rotated_out(qualified_auditor, paid.organization, exclude=paid)  # one cycle only
    past_cycle(paid.organization, other)
    assert not services.is_rotated_out(qualified_auditor, paid.organization, exclude=paid)  # not in the latest
    past_cycle(paid.organization, qualified_auditor, other)
    assert services.is_rotated_out(other, paid.organization, exclude=paid)  # the last two
    assert not services.is_rotated_out(qualified_auditor, paid.organization, exclude=paid)


def test_rotation_length_is_a_setting(settings, paid, qualified_auditor):
    settings.AUDITOR_ROTATION_CYCLES = 1
    past_cycle(paid.organization, qualified_auditor)
    assert services.is_rotated_out(qualified_auditor, paid.organization, exclude=paid)
    settings.AUDITOR_ROTATION_CYCLES = 3
    assert not services.is_rotated_out(qualified_auditor, paid.organization, exclude=paid)


def test_an_auditor_without_the_competence_is_blocked(reviewer_client, paid, category):
    other_category = ServiceCategory.objects.exclude(pk=category.pk).first()
    unqualified = AuditorProfileFactory(competences=[other_category]).user
    no_profile = UserFactory(role="auditor")
    response = reviewer_client.post(plan_url(paid), form_data(unqualified, [no_profile]))
    form = response.context["form"]
    assert "not qualified" in " ".join(form.errors["lead"]) and category.name in " ".join(form.errors["lead"])
    assert "not qualified" in " ".join(form.errors["members"])
    assert not Audit.objects.filter(application=paid).exists()


def test_every_category_of_the_application_must_be_covered(paid, category):
    second = ServiceCategory.objects.exclude(pk=category.pk).first()
    paid.categories.add(second)
    auditor = AuditorProfileFactory(competences=[category]).user
    assert services.missing_competences(auditor, paid.categories.all()) == [second]


def test_only_active_auditors_may_be_assigned(reviewer, paid, category):
    reviewer_as_auditor = AuditorProfileFactory(user=reviewer, competences=[category]).user  # not in the group
    assert "not an active auditor" in services.auditor_problems(reviewer_as_auditor, paid)[0]


def test_the_service_enforces_the_rules_without_the_form(reviewer, paid, category):
    conflict = ConflictOfInterestFactory(
        organization=paid.organization, profile=AuditorProfileFactory(competences=[category])
    )
    with pytest.raises(TransitionError) as error:
        services.plan_audit(
            application=paid,
            by=reviewer,
            lead=conflict.profile.user,
            start=datetime.date(2026, 12, 1),
            end=datetime.date(2026, 12, 2),
            onsite_man_days=Decimal("2"),
        )
    assert conflict.reason in error.value.message
    paid.refresh_from_db()
    assert paid.status == S.PAID
    assert not Notification.objects.filter(application=paid).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", "2020-01-01"), ("end", "2020-01-01"), ("onsite_man_days", "0"), ("lead", "")],
)
def test_bad_dates_and_figures_are_refused(reviewer_client, paid, qualified_auditor, field, value):
    response = reviewer_client.post(plan_url(paid), form_data(qualified_auditor, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Audit.objects.filter(application=paid).exists()


def test_planning_needs_the_permission(client, decision_maker, paid, qualified_auditor):
    client.force_login(decision_maker)
    assert client.get(plan_url(paid)).status_code == 403
    assert client.post(plan_url(paid), form_data(qualified_auditor)).status_code == 403
    page = client.get(change_url(paid))
    assert page.context["plan_audit_url"] == ""
    paid.refresh_from_db()
    assert paid.status == S.PAID


def test_the_application_page_links_to_planning_once_paid(reviewer_client, paid):
    page = reviewer_client.get(change_url(paid))
    assert page.context["plan_audit_url"] == plan_url(paid)


def test_audits_cannot_be_added_around_the_rules(reviewer_client):
    assert reviewer_client.get(reverse("admin:audits_audit_add")).status_code == 403


def test_administrators_keep_auditor_profiles(client, administrator, category):
    client.force_login(administrator)
    profile = AuditorProfileFactory(competences=[category])
    assert client.get(reverse("admin:audits_auditorprofile_change", args=[profile.pk])).status_code == 200
    assert client.get(reverse("admin:audits_auditorprofile_changelist")).status_code == 200


def test_reviewers_cannot_edit_auditor_profiles(reviewer_client, category):
    profile = AuditorProfileFactory(competences=[category])
    url = reverse("admin:audits_auditorprofile_change", args=[profile.pk])
    assert reviewer_client.post(url, {"user": profile.user.pk, "competences": []}).status_code == 403
    assert list(profile.competences.all()) == [category]
