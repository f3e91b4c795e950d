"""In the portal: a refusal by role writes one DENIED security event and changes nothing; the
right person in the wrong state is told why and no event is written."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import SecurityEvent
from applications.models import AccessRequest, Invitation, Membership, Organization
from certificates import services
from tests.factories import MembershipFactory, UserFactory, make_uscc, ready_for_decision

pytestmark = pytest.mark.django_db


def denied(path: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DENIED, path=path))


@pytest.fixture(params=["reviewer", "auditor"])
def body_person(request):
    return UserFactory(role=request.param)


def test_a_body_person_registering_an_organization_is_told_why_and_logged(client, body_person):
    client.force_login(body_person)
    url = reverse("applications:create_organization")
    data = {"name": "新企业有限公司", "credit_code": make_uscc(7), "contact_email": "a@example.com"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert [message.level_tag for message in get_messages(response.wsgi_request)] == ["error"]  # the reason, kept
    assert not Organization.objects.exists()
    assert not Membership.objects.filter(user=body_person).exists()
    [event] = denied(url)
    assert event.user == body_person
    assert event.object_ref == "applications:create_organization"
    assert event.detail.startswith("403 ")


def test_a_body_person_accepting_an_invitation_is_logged_and_does_not_join(client, body_person, applicant):
    organization = applicant.membership.organization
    invitation = Invitation.objects.create(organization=organization, email=body_person.email, invited_by=applicant)
    client.force_login(body_person)
    url = reverse("applications:invitation", args=[invitation.token])
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not organization.memberships.filter(user=body_person).exists()
    assert len(denied(url)) == 1


def test_a_body_person_asking_for_access_is_logged_and_nothing_is_asked(client, body_person, organization):
    client.force_login(body_person)
    url = reverse("applications:ask_for_access")
    response = client.post(url, {"access-credit_code": organization.credit_code, "access-message": "hi"})
    assert response.status_code == 302
    assert not AccessRequest.objects.exists()
    assert len(denied(url)) == 1


def test_an_applicant_registering_an_organization_is_not_logged(client):
    person = UserFactory(role="applicant")
    client.force_login(person)
    url = reverse("applications:create_organization")
    assert client.get(url).status_code == 200
    assert not denied(url)


@pytest.fixture
def certificate(organization, decision_maker):
    application = ready_for_decision(grade="four_star", score=Decimal("91.50"), organization=organization)
    return services.grant_certification(application=application, by=decision_maker)


def test_a_member_who_is_not_the_owner_cannot_choose_the_delivery(client, organization, certificate):
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    client.force_login(member)
    url = reverse("certificates:delivery", args=[certificate.pk])
    assert client.post(url, {"method": "pickup"}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.delivery_method == ""
    assert len(denied(url)) == 1


def test_a_member_who_is_not_the_owner_cannot_apply_for_recertification(client, organization, certificate):
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    client.force_login(member)
    url = reverse("certificates:recertify", args=[certificate.pk])
    assert client.post(url).status_code == 403
    assert not certificate.application.renewals.exists()
    assert len(denied(url)) == 1


def test_the_owner_in_the_wrong_state_is_told_why_without_an_event(client, applicant, certificate):
    """Delivery by post without an address: the right person, an incomplete request (no DENIED event)."""
    client.force_login(applicant)
    url = reverse("certificates:delivery", args=[certificate.pk])
    assert client.post(url, {"method": "post"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.delivery_method == ""
    assert not denied(url)
    assert client.post(url, {"method": "pickup"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.delivery_method == "pickup"
    assert not denied(url)
