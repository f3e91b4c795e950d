"""Registering an organization, the duplicate-code path, access requests and invitations."""

import pytest
from django.core import mail
from django.urls import reverse

from applications.models import AccessRequest, Invitation, Membership, Notification, Organization
from tests.factories import MembershipFactory, UserFactory, make_uscc

from .portal import messages_of

pytestmark = pytest.mark.django_db

FORM = {
    "name": "厦门海湾电器服务有限公司",
    "credit_code": "",
    "address": "福建省厦门市思明区湖滨南路 1 号",
    "legal_representative": "陈海",
    "employee_count": "12",
    "product_categories": "空调、冰箱",
    "service_outlets": "思明服务中心",
    "contact_name": "陈小海",
    "contact_phone": "0592-1234567",
    "contact_email": "chen@example.com",
}


@pytest.fixture
def newcomer(db):
    return UserFactory(role="applicant")


def test_a_newcomer_registers_an_organization_and_becomes_its_owner(en_client, newcomer):
    en_client.force_login(newcomer)
    code = make_uscc(424242)
    # Typed the way people copy it from a licence: spaces, lower case, full-width digits.
    typed = " ".join([code[:6].lower(), code[6:12], code[12:].replace("1", "１")])
    response = en_client.post(reverse("applications:create_organization"), {**FORM, "credit_code": typed})
    assert response.status_code == 302
    organization = Organization.objects.get(credit_code=code)
    membership = Membership.objects.get(user=newcomer)
    assert (membership.organization, membership.role) == (organization, Membership.Role.OWNER)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("91350100M000100Y4Z", "characters that never appear"),
        ("91350100M000100Y44", "check character does not match"),
        ("1234", "18 characters"),
    ],
)
def test_an_invalid_credit_code_is_explained_and_nothing_is_created(en_client, newcomer, code, words):
    en_client.force_login(newcomer)
    response = en_client.post(reverse("applications:create_organization"), {**FORM, "credit_code": code})
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not Organization.objects.filter(name=FORM["name"]).exists()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_duplicate_code_offers_to_ask_the_owner_and_never_joins_silently(
    en_client, newcomer, applicant, django_capture_on_commit_callbacks
):
    existing = applicant.membership.organization
    en_client.force_login(newcomer)
    response = en_client.post(
        reverse("applications:create_organization"), {**FORM, "credit_code": existing.credit_code}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "already registered" in page
    assert reverse("applications:ask_for_access") in page
    assert existing.name not in page  # the form does not reveal whose code it is
    assert not Membership.objects.filter(user=newcomer).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = en_client.post(
            reverse("applications:ask_for_access"),
            {"access-credit_code": existing.credit_code, "access-message": "我是售后部的刘工"},
        )
    assert response.status_code == 302
    request = AccessRequest.objects.get(user=newcomer)
    assert request.status == AccessRequest.Status.PENDING
    assert not Membership.objects.filter(user=newcomer).exists()
    owner_note = Notification.objects.get(user=applicant, kind=Notification.Kind.ACCESS_REQUEST)
    assert newcomer.email in owner_note.detail
    assert [m.to for m in mail.outbox] == [[applicant.email]]


def test_a_second_pending_request_is_refused(en_client, newcomer, applicant):
    code = applicant.membership.organization.credit_code
    AccessRequest.ask(user=newcomer, credit_code=code)
    en_client.force_login(newcomer)
    response = en_client.post(reverse("applications:ask_for_access"), {"access-credit_code": code})
    assert "already have a request" in " ".join(messages_of(response))
    assert AccessRequest.objects.filter(user=newcomer).count() == 1


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_the_owner_answers_an_access_request(applicant_client, applicant, newcomer, decision):
    request = AccessRequest.ask(user=newcomer, credit_code=applicant.membership.organization.credit_code)
    url = reverse("applications:answer_access_request", args=[request.pk, decision])
    assert applicant_client.post(url).status_code == 302
    request.refresh_from_db()
    assert request.status == ("approved" if decision == "approve" else "declined")
    assert request.decided_by == applicant
    assert Membership.objects.filter(user=newcomer).exists() == (decision == "approve")
    assert Notification.objects.filter(user=newcomer, kind=Notification.Kind.ACCESS_REQUEST).count() == 1
    # Answering twice changes nothing.
    response = applicant_client.post(url)
    assert "already done" in " ".join(messages_of(response))


def test_only_the_owner_answers_and_only_for_their_organization(en_client, applicant, other_applicant, newcomer):
    request = AccessRequest.ask(user=newcomer, credit_code=applicant.membership.organization.credit_code)
    member = MembershipFactory(organization=applicant.membership.organization, role="member").user
    en_client.force_login(member)
    assert (
        en_client.post(reverse("applications:answer_access_request", args=[request.pk, "approve"])).status_code == 403
    )
    en_client.force_login(other_applicant)  # owner of another organization
    assert (
        en_client.post(reverse("applications:answer_access_request", args=[request.pk, "approve"])).status_code == 404
    )
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.PENDING


def test_the_owner_invites_a_colleague_who_signs_up_and_accepts(
    applicant_client, applicant, en_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(reverse("applications:invite"), {"email": "Colleague@Example.com"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.invited_by == applicant
    (message,) = mail.outbox
    assert message.to == ["Colleague@Example.com"]
    assert reverse("applications:invitation", args=[invitation.token]) in message.body

    colleague = UserFactory(role="applicant", email="colleague@example.com")
    en_client.force_login(colleague)
    page = en_client.get(reverse("applications:invitation", args=[invitation.token]))
    assert applicant.membership.organization.name in page.content.decode()
    assert en_client.post(reverse("applications:invitation", args=[invitation.token])).status_code == 302
    membership = Membership.objects.get(user=colleague)
    assert (membership.organization, membership.role) == (applicant.membership.organization, Membership.Role.MEMBER)
    # The link works once.
    response = en_client.post(reverse("applications:invitation", args=[invitation.token]))
    assert "no longer valid" in " ".join(messages_of(response))


def test_an_invitation_is_for_its_address_only(applicant, en_client):
    invitation = Invitation.send(organization=applicant.membership.organization, email="a@example.com", by=applicant)
    stranger = UserFactory(role="applicant", email="b@example.com")
    en_client.force_login(stranger)
    response = en_client.post(reverse("applications:invitation", args=[invitation.token]))
    assert "Sign in with that address" in " ".join(messages_of(response))
    assert not Membership.objects.filter(user=stranger).exists()


def test_an_existing_account_is_notified_in_the_portal(applicant):
    colleague = UserFactory(role="applicant", email="c@example.com")
    Invitation.send(organization=applicant.membership.organization, email="c@example.com", by=applicant)
    assert Notification.objects.filter(user=colleague, kind=Notification.Kind.INVITATION).exists()


def test_inviting_a_member_or_twice_is_refused(applicant_client, applicant):
    response = applicant_client.post(reverse("applications:invite"), {"email": applicant.email})
    assert "already a member" in " ".join(messages_of(response))
    applicant_client.post(reverse("applications:invite"), {"email": "x@example.com"})
    response = applicant_client.post(reverse("applications:invite"), {"email": "x@example.com"})
    assert "already been invited" in " ".join(messages_of(response))
    response = applicant_client.post(reverse("applications:invite"), {"email": "not an address"})
    assert "valid email" in " ".join(messages_of(response))
    assert Invitation.objects.count() == 1


def test_the_owner_revokes_an_invitation(applicant_client, applicant, en_client):
    invitation = Invitation.send(organization=applicant.membership.organization, email="d@example.com", by=applicant)
    applicant_client.post(reverse("applications:revoke_invitation", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    invitee = UserFactory(role="applicant", email="d@example.com")
    en_client.force_login(invitee)
    en_client.post(reverse("applications:invitation", args=[invitation.token]))
    assert not Membership.objects.filter(user=invitee).exists()


def test_members_cannot_invite_or_edit(en_client, applicant):
    member = MembershipFactory(organization=applicant.membership.organization, role="member").user
    en_client.force_login(member)
    assert en_client.post(reverse("applications:invite"), {"email": "y@example.com"}).status_code == 403
    assert en_client.get(reverse("applications:edit_organization")).status_code == 403
    page = en_client.get(reverse("applications:organization"))
    assert page.status_code == 200
    assert reverse("applications:invite") not in page.content.decode()


def test_the_owner_edits_the_profile_but_not_the_credit_code(applicant_client, applicant):
    organization = applicant.membership.organization
    code = organization.credit_code
    data = {**FORM, "credit_code": make_uscc(777), "name": "新名称有限公司"}
    assert applicant_client.post(reverse("applications:edit_organization"), data).status_code == 302
    organization.refresh_from_db()
    assert (organization.name, organization.credit_code) == ("新名称有限公司", code)


def test_staff_cannot_register_an_organization(en_client, reviewer):
    # Refused with the reason (it was a bare 403); every role and way in: test_staff_cannot_join.py
    en_client.force_login(reviewer)
    response = en_client.get(reverse("applications:create_organization"), follow=True)
    assert any("cannot create or join an applicant organization" in m for m in messages_of(response))
    response = en_client.post(reverse("applications:create_organization"), {**FORM, "credit_code": make_uscc(5)})
    assert response.status_code == 302
    assert not Organization.objects.filter(credit_code=make_uscc(5)).exists()


def test_a_member_is_sent_to_their_organization_instead_of_registering_another(applicant_client):
    response = applicant_client.get(reverse("applications:create_organization"))
    assert response.url == reverse("applications:organization")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in ("dashboard", "organization", "create_organization"):
        response = client.get(reverse(f"applications:{name}"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_staff_cannot_join_through_an_invitation(applicant, en_client):
    staff = UserFactory(role="reviewer", email="staff@example.com")
    invitation = Invitation.send(organization=applicant.membership.organization, email=staff.email, by=applicant)
    en_client.force_login(staff)
    response = en_client.post(reverse("applications:invitation", args=[invitation.token]), follow=True)
    assert any("cannot create or join an applicant organization" in m for m in messages_of(response))
    assert not Membership.objects.filter(user=staff).exists()


def test_an_unknown_invitation_token_is_404(applicant_client):
    assert applicant_client.get(reverse("applications:invitation", args=["no-such-token"])).status_code == 404
