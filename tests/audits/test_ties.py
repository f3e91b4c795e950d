"""A person's ties to an organization (audits.ties): membership now or before, a request to join, a declared
conflict in force or ended; audit planning refuses an auditor with any of them, naming it."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from applications.models import AccessRequest, Application, Membership, ServiceCategory
from audits import services
from audits.models import Audit
from audits.ties import ties
from certportal.workflow import TransitionError
from tests.factories import (
    AuditorProfileFactory,
    ConflictOfInterestFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    in_state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def person(db):
    return UserFactory(role="applicant")


def test_no_tie_no_sentence(person, organization):
    MembershipFactory(user=person)  # a member of another organization
    ConflictOfInterestFactory(profile=AuditorProfileFactory(user=person))  # a conflict with another one
    assert ties(person, organization) == []


def test_a_current_membership(person, organization):
    MembershipFactory(user=person, organization=organization, role=Membership.Role.MEMBER)
    (tie,) = ties(person, organization)
    assert tie.startswith(f"{person} is a member (Member) of {organization.name} since ")


def test_a_membership_that_ended_is_still_a_tie(person, organization, time_machine):
    time_machine.move_to("2026-03-01 10:00:00+08:00", tick=False)
    membership = MembershipFactory(user=person, organization=organization)
    time_machine.move_to("2026-06-15 10:00:00+08:00", tick=False)
    membership.delete()
    assert ties(person, organization) == [f"{person} was a member of {organization.name} until 15 Jun 2026."]


def test_a_membership_moved_to_another_organization_leaves_a_past_tie(person, organization):
    membership = MembershipFactory(user=person, organization=organization)
    elsewhere = OrganizationFactory()
    membership.organization = elsewhere
    membership.save()
    assert [tie.split(" until ")[0] for tie in ties(person, organization)] == [
        f"{person} was a member of {organization.name}"
    ]
    assert "is a member" in ties(person, elsewhere)[0]


def test_memberships_from_before_the_history_are_kept_by_the_migration(person, organization):
    membership = MembershipFactory(user=person, organization=organization)
    Membership.history.filter(id=membership.pk).delete()  # as if it had been created before migration 0007
    migration = importlib.import_module("applications.migrations.0007_membership_history")
    migration.record_existing_memberships(apps, None)
    Membership.objects.filter(pk=membership.pk).delete()  # a queryset delete still records the removal
    (tie,) = ties(person, organization)
    assert tie.startswith(f"{person} was a member of {organization.name} until ")


def test_asking_to_join_is_a_tie_unless_it_became_a_membership(person, organization):
    AccessRequest.objects.create(user=person, organization=organization, status=AccessRequest.Status.DECLINED)
    (tie,) = ties(person, organization)
    assert tie.startswith(f"{person} asked to join {organization.name} on ")
    AccessRequest.objects.update(status=AccessRequest.Status.APPROVED)
    assert ties(person, organization) == []


@pytest.mark.parametrize(
    ("declared_on", "ends_on", "words"),
    [
        (datetime.date(2024, 1, 1), None, "(since 1 Jan 2024)"),  # in force
        (datetime.date(2020, 1, 1), datetime.date(2021, 1, 1), "(1 Jan 2020 to 1 Jan 2021)"),  # ended
        (datetime.date(2099, 1, 1), None, "(since 1 Jan 2099)"),  # not started yet
    ],
)
def test_every_declared_conflict_is_a_tie(organization, declared_on, ends_on, words):
    conflict = ConflictOfInterestFactory(organization=organization, declared_on=declared_on, ends_on=ends_on)
    user = conflict.profile.user
    assert ties(user, organization) == [
        f"{user} declared a conflict of interest with {organization.name} {words}: {conflict.reason}"
    ]


def test_all_ties_are_listed(organization):
    auditor = AuditorProfileFactory().user
    membership = MembershipFactory(user=auditor, organization=organization)
    membership.delete()
    ConflictOfInterestFactory(profile=auditor.auditor_profile, organization=organization)
    found = ties(auditor, organization)
    assert len(found) == 2 and "was a member" in found[0] and "conflict of interest" in found[1]


# --- audit planning refuses an auditor with a tie ---------------------------------------------------------------


@pytest.fixture
def paid(organization):
    application = in_state(Application.Status.PAID, organization=organization, employee_count=30)
    application.categories.set(ServiceCategory.objects.filter(code="household_appliances"))
    return application


@pytest.fixture
def former_member(paid):
    """A qualified auditor who once belonged to the organization (before the rules kept auditors out)."""
    auditor = AuditorProfileFactory(competences=ServiceCategory.objects.filter(code="household_appliances")).user
    Membership.objects.create(user=auditor, organization=paid.organization).delete()
    return auditor


def test_the_planning_page_refuses_a_former_member_and_says_why(client, reviewer, paid, former_member):
    client.force_login(reviewer)
    start = timezone.localdate() + datetime.timedelta(days=10)
    data = {"lead": former_member.pk, "start": start, "end": start, "onsite_man_days": "2"}
    url = reverse("admin:audits_audit_plan", args=[paid.pk])
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["lead"])
    assert f"{former_member} was a member of {paid.organization.name}" in errors
    candidates = dict(response.context["candidates"])
    assert candidates[former_member]  # the list of auditors shows the tie before one is chosen
    assert not Audit.objects.filter(application=paid).exists()


def test_the_service_refuses_an_auditor_with_a_tie_without_the_form(reviewer, paid, former_member):
    with pytest.raises(TransitionError) as error:
        services.plan_audit(
            application=paid,
            by=reviewer,
            lead=AuditorProfileFactory(competences=ServiceCategory.objects.filter(code="household_appliances")).user,
            members=[former_member],
            start=datetime.date(2026, 12, 1),
            end=datetime.date(2026, 12, 2),
            onsite_man_days=Decimal("2"),
        )
    assert "was a member of" in error.value.message
    paid.refresh_from_db()
    assert paid.status == Application.Status.PAID and not Audit.objects.filter(application=paid).exists()


def test_an_auditor_without_ties_is_planned(reviewer, paid):
    auditor = AuditorProfileFactory(competences=ServiceCategory.objects.filter(code="household_appliances")).user
    assert services.auditor_problems(auditor, paid) == []
