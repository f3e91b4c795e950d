import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse

from accounts.adapter import AccountAdapter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _landing(user):
    request = RequestFactory().get("/")
    request.user, request.session = user, SessionStore()
    return AccountAdapter(request).get_login_redirect_url(request), request.session


def test_auditors_land_on_their_audits_and_the_navbar_knows_it(client):
    auditor = UserFactory(role="auditor")
    url, session = _landing(auditor)
    assert url == reverse("audits:list")
    assert session["is_auditor"] is True


def test_staff_land_in_the_admin_and_applicants_on_their_dashboard():
    assert _landing(UserFactory(role="reviewer"))[0] == reverse("admin:index")
    url, session = _landing(UserFactory(role="applicant"))
    assert url != reverse("audits:list") and "is_auditor" not in session
