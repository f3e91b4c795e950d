import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage, storages
from django.test import Client
from django.utils import translation
from django.utils.functional import empty

from accounts import mfa
from accounts.middleware import SESSION_SEEN, SESSION_STARTED
from certportal.signing import development_pkcs12
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests (whether they can run at all is the `browser` fixture's decision, tests/e2e/conftest.py) run
    after all the others, in the order pytest-randomly gave them: Playwright's sync API keeps an asyncio event loop
    running in the main thread from the first browser test to the end of the session, and pyHanko's synchronous
    signing and validation (asyncio.run) refuse to run inside one, so a signing test after a browser test failed."""
    for item in items:
        if "e2e" in item.keywords:
            # A real browser on a loaded 2-core machine sometimes misses a timing; a second failure is real.
            item.add_marker(pytest.mark.flaky(reruns=1))
    items.sort(key=lambda item: "e2e" in item.keywords)  # stable: keeps the random order within each group


@pytest.fixture(scope="session", autouse=True)
def _signing_key(tmp_path_factory):
    """Every stored PDF is signed: the tests sign with a development key made once per test run."""
    path = tmp_path_factory.mktemp("signing") / "signing.p12"
    path.write_bytes(development_pkcs12("测试认证中心"))
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(path), ""


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (allauth's and ours), sign-in throttles and used TOTP codes count in the default cache, a
    per-process memory cache here: no test, and no rerun of a failed one (pytest-rerunfailures sets function
    fixtures up again), sees another's counts. Clearing an in-memory dictionary costs nothing."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_file_storage():
    """Files live in an in-memory storage here (settings_test), which would outlast the test's database: a later
    test whose row has the same primary key would find the earlier test's PDF under its storage key and reuse it.
    Each test starts with empty storages, as it starts with an empty database."""
    storages._storages = {}
    default_storage._wrapped = empty
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's language (zh-hans): a request leaves its language active in the thread, and
    a test that reads a message outside a request would otherwise get the language of the previous test's last
    request."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


REFERENCE_DATA = [
    # (app label, migration module): each has a `seed(apps, schema_editor)` (or `create`) function
    ("applications", "0002_reference_data", "seed"),
    ("applications", "0004_seed_service_categories", "seed"),
    ("audits", "0002_indicator_set", "seed"),
]


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """Transactional tests empty the database afterwards (flush), which also removes what the data migrations
    seeded (material types, fees, indicators, roles, the beat schedule); serialized rollback does not restore
    it reliably when another thread used the database. Seed it again, idempotently, before such a test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server", "live_worker")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    from accounts.roles import sync_role_groups
    from applications.models import MaterialType
    from certportal.jobs import sync_periodic_jobs

    if MaterialType.objects.exists():
        return
    for app_label, module, function in REFERENCE_DATA:
        getattr(importlib.import_module(f"{app_label}.migrations.{module}"), function)(apps, None)
    sync_role_groups(apps)
    sync_periodic_jobs()


# --- Security: staff and auditors must pass a TOTP code (accounts.mfa). A test that signs someone in
# with force_login stands for a completed sign-in, second factor included; the sign-in flows themselves
# (password, TOTP step, set-up, lockouts) are tested in tests/security with real requests and
# `force_login_without_second_factor`.
_force_login_without_second_factor = Client.force_login


def force_login_without_second_factor(client, user, backend=None):
    _force_login_without_second_factor(client, user, backend)


def _force_login_with_second_factor(self, user, backend=None):
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    if backend is None and not user.is_staff:
        backend = "applications.backends.PortalAuthenticationBackend"  # the one the portal's sign-in records
    _force_login_without_second_factor(self, user, backend)
    session = self.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session["account_authentication_methods_user"] = str(user.pk)
    # The sign-in it stands for has also asked whether the person needs a second factor (remembered in the
    # session, accounts.mfa.required_in) and started the staff session clock (accounts.middleware).
    session[mfa.SESSION_KEY] = [user.pk, mfa.required_for(user), time.time()]
    session[SESSION_STARTED] = session[SESSION_SEEN] = time.time()
    session.save()


@pytest.fixture(autouse=True)
def _force_login_includes_second_factor(monkeypatch):
    monkeypatch.setattr(Client, "force_login", _force_login_with_second_factor)


@pytest.fixture
def certification_body(settings):
    """A certification body other than the demo defaults, so tests see the settings at work."""
    settings.CERTIFICATION_BODY_NAME = "华信认证中心"
    settings.CERTIFICATION_BODY_NAME_EN = "Huaxin Certification Centre"
    settings.CERTIFICATION_BODY_ADDRESS = "杭州市西湖区文三路 90 号"
    settings.CERTIFICATION_BODY_ADDRESS_EN = "90 Wensan Road, Hangzhou"
    settings.CERTIFICATION_BODY_PHONE = "0571-8888 1234"
    settings.CERTIFICATION_BODY_EMAIL = "service@huaxin.example"
    settings.CERTIFICATION_BODY_WEBSITE = "https://huaxin.example"
