import os

import pytest

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """Tests that need real services or a browser run when possible and must run when CI=true."""
    skip_browser = not os.path.exists("/usr/bin/chromium") and os.environ.get("CI") != "true"
    for item in items:
        if skip_browser and "e2e" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="/usr/bin/chromium is not installed (run `make system-deps`)"))


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def applicant(organization):
    return MembershipFactory(organization=organization).user


@pytest.fixture
def other_applicant(db):
    return MembershipFactory().user


@pytest.fixture
def reviewer(db):
    return UserFactory(role="reviewer")


@pytest.fixture
def auditor(db):
    return UserFactory(role="auditor")


@pytest.fixture
def decision_maker(db):
    return UserFactory(role="decision_maker")


@pytest.fixture
def administrator(db):
    return UserFactory(role="administrator")
