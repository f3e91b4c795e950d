"""Staff and auditor accounts never belong to an applicant organization (design.md §3.1), from either side: they
cannot create, join or ask to join one, nor be added as a member; and an account that is or was a member is not
made staff or given a role of the body's people."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from applications.models import AccessRequest, Invitation, Membership, Organization
from certportal.workflow import TransitionError
from tests.factories import MembershipFactory, UserFactory, make_uscc

from .portal import messages_of

pytestmark = pytest.mark.django_db

REFUSAL = "cannot create or join an applicant organization"
BODY = ["reviewer", "auditor", "decision_maker", "administrator", "staff flag", "superuser"]


def body_account(kind: str, **kwargs) -> User:
    if kind == "staff flag":
        user = UserFactory(role="applicant", **kwargs)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        return user
    if kind == "superuser":
        return UserFactory(is_staff=True, is_superuser=True, **kwargs)
    return UserFactory(role=kind, **kwargs)


def refused(response) -> bool:
    return any(REFUSAL in m for m in messages_of(response))


# --- the portal: create, accept an invitation, ask for access -------------------------------------------------


@pytest.mark.parametrize("kind", BODY)
def test_the_body_s_people_cannot_register_an_organization(en_client, kind):
    en_client.force_login(body_account(kind))
    url = reverse("applications:create_organization")
    response = en_client.get(url)
    assert response.status_code == 302 and refused(response)
    data = {"name": "某某有限公司", "credit_code": make_uscc(77), "employee_count": "5", "contact_email": "a@b.cn"}
    response = en_client.post(url, data)
    assert response.status_code == 302 and refused(response)
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


@pytest.mark.parametrize("kind", BODY)
def test_the_body_s_people_cannot_accept_an_invitation(en_client, applicant, kind):
    staff = body_account(kind, email="invited@example.com")
    invitation = Invitation.send(organization=applicant.membership.organization, email=staff.email, by=applicant)
    en_client.force_login(staff)
    url = reverse("applications:invitation", args=[invitation.token])
    assert refused(en_client.get(url))  # said on the page, before the button is pressed
    response = en_client.post(url)
    assert response.status_code == 302 and refused(response)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(user=staff).exists()
    with pytest.raises(TransitionError, match=REFUSAL):
        invitation.accept(user=staff)


@pytest.mark.parametrize("kind", BODY)
def test_the_body_s_people_cannot_ask_for_access(en_client, applicant, kind):
    staff = body_account(kind)
    en_client.force_login(staff)
    code = applicant.membership.organization.credit_code
    response = en_client.post(reverse("applications:ask_for_access"), {"access-credit_code": code})
    assert response.status_code == 302 and refused(response)
    assert not AccessRequest.objects.exists()
    with pytest.raises(TransitionError, match=REFUSAL):
        AccessRequest.ask(user=staff, credit_code=code)


def test_the_owner_cannot_let_in_someone_who_became_an_auditor_since_asking(en_client, applicant):
    newcomer = UserFactory(role="applicant")
    request = AccessRequest.ask(user=newcomer, credit_code=applicant.membership.organization.credit_code)
    newcomer.groups.add(Group.objects.get(name="auditor"))
    en_client.force_login(applicant)
    response = en_client.post(reverse("applications:answer_access_request", args=[request.pk, "approve"]))
    assert response.status_code == 302 and refused(response)
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.PENDING
    assert not Membership.objects.filter(user=newcomer).exists()


def test_an_applicant_still_joins(en_client, applicant):
    newcomer = UserFactory(role="applicant", email="new@example.com")
    invitation = Invitation.send(organization=applicant.membership.organization, email=newcomer.email, by=applicant)
    en_client.force_login(newcomer)
    en_client.post(reverse("applications:invitation", args=[invitation.token]))
    assert newcomer.membership.organization == applicant.membership.organization


# --- the admin: adding a member to an organization -------------------------------------------------------------


def organization_form(organization, **inline) -> dict:
    data = {
        field: getattr(organization, field) or ""
        for field in (
            "name",
            "credit_code",
            "address",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "contact_email",
            "employee_count",
            "product_categories",
            "service_outlets",
        )
    }
    members = list(organization.memberships.all())
    data.update({"memberships-INITIAL_FORMS": len(members), "memberships-TOTAL_FORMS": len(members) + 1})
    for index, membership in enumerate(members):
        data.update(
            {
                f"memberships-{index}-id": membership.pk,
                f"memberships-{index}-organization": organization.pk,
                f"memberships-{index}-user": membership.user_id,
                f"memberships-{index}-role": membership.role,
            }
        )
    new = len(members)
    data.update({f"memberships-{new}-organization": organization.pk, f"memberships-{new}-role": "member"})
    data.update({f"memberships-{new}-{key}": value for key, value in inline.items()})
    return data


@pytest.mark.parametrize("kind", ["reviewer", "auditor", "staff flag"])
def test_the_admin_cannot_add_the_body_s_people_as_members(client, administrator, organization, applicant, kind):
    staff = body_account(kind)
    client.force_login(administrator)
    url = reverse("admin:applications_organization_change", args=[organization.pk])
    response = client.post(url, organization_form(organization, user=staff.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert REFUSAL in str(response.context["inline_admin_formsets"][0].formset.errors)
    assert not Membership.objects.filter(user=staff).exists()


def test_the_admin_adds_an_applicant_as_a_member(client, administrator, organization, applicant):
    newcomer = UserFactory(role="applicant")
    client.force_login(administrator)
    url = reverse("admin:applications_organization_change", args=[organization.pk])
    response = client.post(url, organization_form(organization, user=newcomer.pk))
    assert response.status_code == 302
    assert newcomer.membership.organization == organization


def test_the_model_refuses_a_staff_member_row():
    membership = Membership(user=UserFactory(role="decision_maker"), organization=MembershipFactory().organization)
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "user" in error.value.message_dict


# --- the admin: giving a role to someone who is or was a member --------------------------------------------------


def user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "language": user.language,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "user_permissions": [],
        "date_joined_0": f"{user.date_joined:%Y-%m-%d}",
        "date_joined_1": f"{user.date_joined:%H:%M:%S}",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def group(name: str) -> int:
    return Group.objects.get(name=name).pk


def post_user(client, user, **changes):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    return client.post(url, user_form(user, **changes), HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(
    "change",
    [
        {"groups": ["auditor"]},
        {"groups": ["reviewer"]},
        {"groups": ["decision_maker"]},
        {"groups": ["administrator"]},
        {"is_staff": "on"},
        {"is_superuser": "on"},
    ],
    ids=["auditor", "reviewer", "decision_maker", "administrator", "is_staff", "is_superuser"],
)
def test_a_member_is_not_given_a_role_of_the_body(client, administrator, applicant, change):
    client.force_login(administrator)
    if "groups" in change:
        change = {"groups": [group("applicant"), *(group(name) for name in change["groups"])]}
    response = post_user(client, applicant, **change)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "is or was a member of" in errors and applicant.membership.organization.name in errors
    applicant.refresh_from_db()
    assert not applicant.is_staff and not applicant.is_superuser
    assert list(applicant.groups.values_list("name", flat=True)) == ["applicant"]


def test_a_former_member_is_not_made_an_auditor(client, administrator, applicant):
    organization = applicant.membership.organization
    applicant.membership.delete()
    client.force_login(administrator)
    response = post_user(client, User.objects.get(pk=applicant.pk), groups=[group("auditor")])
    assert organization.name in " ".join(response.context["adminform"].form.non_field_errors())
    assert not applicant.groups.filter(name="auditor").exists()


def test_someone_never_in_an_organization_becomes_an_auditor(client, administrator):
    person = UserFactory(role="applicant")
    client.force_login(administrator)
    assert post_user(client, person, groups=[group("auditor")]).status_code == 302
    assert person.groups.filter(name="auditor").exists()


def test_an_older_account_with_both_can_still_be_edited_and_deactivated(client, administrator, applicant):
    """The rule refuses what a change adds; what an account already had is not re-judged on every save."""
    applicant.groups.add(Group.objects.get(name="auditor"))  # from before the rule
    client.force_login(administrator)
    response = post_user(client, applicant, groups=[group("applicant"), group("auditor")], is_active="")
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert not applicant.is_active
