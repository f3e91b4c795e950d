"""load_membership: the membership and its organization in one query, then read from Django's own cache."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from applications.permissions import membership_of
from applications.views import load_membership

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(lambda: user)  # as AuthenticationMiddleware sets it
    return request


def test_a_member_costs_one_query_for_membership_and_organization(applicant, django_assert_num_queries):
    request = _request(User.objects.get(pk=applicant.pk))
    with django_assert_num_queries(1):
        membership = load_membership(request)
        assert membership.organization.name
        assert membership_of(request.user) is membership
    with django_assert_num_queries(0):
        assert load_membership(request) is membership  # a second call asks nothing


def test_no_membership_is_remembered_too(reviewer, django_assert_num_queries):
    request = _request(User.objects.get(pk=reviewer.pk))
    with django_assert_num_queries(1):
        assert load_membership(request) is None
    with django_assert_num_queries(0):
        assert load_membership(request) is None
        assert membership_of(request.user) is None


def test_nobody_signed_in_has_no_membership(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert load_membership(_request(AnonymousUser())) is None
