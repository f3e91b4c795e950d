"""The cross-organization matrix (targets.md SEC-2, SEC-4): every URL pattern of the project, every method,
every kind of visitor. A new URL pattern without an entry in tests/security/matrix.py fails here.

Each test walks the whole matrix once and reports every failure together (one fixture world per test).
Every HTML response seen on the way must carry the enforcing CSP and contain no inline script, style or
event handler that the CSP would block.
"""

import re

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from applications.models import Application

from . import matrix
from .matrix import ADMIN, LOGIN, ORG, PUBLIC, TEAM, TOKEN
from .world import build

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST")
SIGN_IN = ("/accounts/login/", "/admin/login/")
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
INLINE = {
    "inline script without nonce": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)(?![^>]*nonce=)[^>]*>"),
    "inline style element without nonce": re.compile(r"<style(?![^>]*nonce=)[^>]*>"),
    "style attribute": re.compile(r"<[a-zA-Z][^<>]*\sstyle\s*=", re.S),
    "event handler attribute": re.compile(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=", re.S),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I),
}


def walk(patterns, prefix="", namespace=""):
    """Every URL pattern under the root URLconf: (matrix key, route). The key is the view name, or the route
    for unnamed patterns."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
            else:
                yield route, route


def project_patterns() -> list[tuple[str, str]]:
    return list(walk(get_resolver().url_patterns))


@pytest.fixture
def world(settings):
    settings.PAYMENT_PROVIDERS = ["sandbox"]
    return build()


@pytest.fixture
def entries(world):
    return matrix.all_entries()


def client_for(world, persona: str | None) -> Client:
    client = Client()
    if persona is not None:
        client.force_login(world.persona(persona))  # a completed sign-in, second factor included
    return client


def request(client, method, url):
    return client.generic(method, url, data=b"", content_type="application/x-www-form-urlencoded")


def html_problems(response) -> list[str]:
    """CSP header and CSP-safe markup on an HTML response; download headers on a file."""
    if response.get("Content-Disposition", "").startswith("attachment"):
        headers = (response.get("X-Content-Type-Options"), response.get("Content-Security-Policy", ""))
        if headers[0] != "nosniff" or "sandbox" not in headers[1]:
            return [f"file served without nosniff and a sandboxing CSP: {headers}"]
        return []
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    problems = []
    policy = response.get("Content-Security-Policy", "")
    missing = [d for d in CSP_DIRECTIVES if d not in policy]
    if missing or "unsafe-inline" in policy:
        problems.append(f"CSP header lacks {missing or 'no unsafe-inline'}: {policy!r}")
    body = response.content.decode(errors="replace")
    for what, pattern in INLINE.items():
        found = pattern.search(body)
        if found:
            problems.append(f"{what}: {found.group(0)[:120]!r}")
    return problems


def sent_to_sign_in(response, kind) -> bool:
    if response.status_code in (401, 403, 405):
        return True
    if response.status_code != 302:
        return False
    where = SIGN_IN[1:] if kind == ADMIN else SIGN_IN
    return response["Location"].startswith(where)


def shows_nothing_of(world, response) -> bool:
    body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
    return not any(marker in body for marker in world.a.markers)


def checked(failures, key, who, method, response, ok: bool, why: str = ""):
    if not ok:
        location = response.get("Location", "")
        failures.append(f"{key} {method} as {who}: {response.status_code} {location} {why}".rstrip())
    failures.extend(f"{key} {method} as {who}: {problem}" for problem in html_problems(response))


# --- coverage -----------------------------------------------------------------------------------------------


def test_every_url_pattern_has_an_entry(entries, capsys):
    patterns = project_patterns()
    missing = sorted(key for key, _route in patterns if key not in entries)
    assert not missing, "URL patterns without a matrix entry (add them to tests/security/matrix.py):\n" + "\n".join(
        missing
    )
    stale = sorted(set(entries) - {key for key, _route in patterns})
    assert not stale, f"matrix entries for patterns that no longer exist: {stale}"
    kinds = {}
    for key, _route in patterns:
        kinds[entries[key].kind] = kinds.get(entries[key].kind, 0) + 1
    with capsys.disabled():
        print(f"\nURL matrix: {len(patterns)} patterns covered; by kind: {dict(sorted(kinds.items()))}")


# --- the visitors -------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(world, entries):
    client, failures = client_for(world, None), []
    for key, entry in entries.items():
        url = entry.url(world, key)
        for method in METHODS:
            response = request(client, method, url)
            if entry.kind == PUBLIC:
                ok = response.status_code < 500 or response.status_code in entry.control_status
                checked(failures, key, "anonymous", method, response, ok)
            else:
                checked(failures, key, "anonymous", method, response, sent_to_sign_in(response, entry.kind))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("outsider", ["owner_b", "member_b"])
def test_organization_b_gets_404_on_everything_of_organization_a(world, entries, outsider):
    failures = []
    for key, entry in entries.items():
        client = client_for(world, outsider)  # afresh: some entries sign out
        url = entry.url(world, key)
        for method in METHODS:
            response = request(client, method, url)
            verdict = _outsider_verdict(world, entry, response)
            if not verdict[0] and entry.kind in (ORG, TEAM) and response.status_code == 403:
                # refused by role before any lookup (a member where owners act): fine if a made-up id gets the
                # very same answer, so nothing about A's object is revealed
                ghost = request(client_for(world, outsider), method, entry.url(world, key, missing=True))
                verdict = (ghost.status_code == 403, "403 only for existing objects")
            checked(failures, key, outsider, method, response, *verdict)
    assert not failures, "\n".join(failures)


def _outsider_verdict(world, entry, response) -> tuple[bool, str]:
    status = response.status_code
    if entry.kind == ADMIN:
        return sent_to_sign_in(response, ADMIN), "admin must send non-staff to its sign-in"
    if entry.kind in (ORG, TEAM) and entry.unchanged is None:
        return status in (404, 405), "expected 404"
    if entry.unchanged is not None and not entry.unchanged(world):
        return False, "changed organization A's data"
    if status >= 500 and status not in entry.control_status:
        return False, "server error"
    if entry.kind in (PUBLIC, LOGIN, TOKEN):  # public pages may show A's certificate; a token is its own key
        return True, ""
    return shows_nothing_of(world, response), "shows organization A's data"


def test_an_auditor_not_assigned_gets_404_on_audits_and_organization_pages(world, entries):
    client, failures = client_for(world, "lead_b"), []
    for key, entry in entries.items():
        if entry.kind not in (ORG, TEAM):  # none of these signs out
            continue
        url = entry.url(world, key)
        for method in METHODS:
            response = request(client, method, url)
            ok = response.status_code in (404, 405) or (entry.unchanged is not None and entry.unchanged(world))
            checked(failures, key, "unassigned auditor", method, response, ok, "expected 404")
    assert not failures, "\n".join(failures)


def test_team_pages_are_404_for_the_audited_organizations_own_people(world, entries):
    client, failures = client_for(world, "owner_a"), []
    for key, entry in entries.items():
        if entry.kind != TEAM:
            continue
        for method in METHODS:
            response = request(client, method, entry.url(world, key))
            checked(failures, key, "owner_a", method, response, response.status_code in (404, 405), "expected 404")
    assert not failures, "\n".join(failures)


def test_each_page_works_for_its_own_people_under_the_csp(world, entries):
    """The positive control: the same URLs answer the people they are for (so the 404s above mean
    something), and every HTML page they get is CSP-clean."""
    failures = []
    for key, entry in entries.items():
        if entry.kind == PUBLIC:
            continue
        client = client_for(world, entry.control)
        response = request(client, entry.control_method, entry.url(world, key))
        status = response.status_code
        ok = status in entry.control_status or (status not in (403, 404, 405) and status < 500)
        checked(failures, key, entry.control, entry.control_method, response, ok, "its own people are refused")
    assert not failures, "\n".join(failures)


def test_roles_without_the_permission_are_refused(world, entries):
    failures = []
    for key, entry in entries.items():
        for persona in entry.refused:
            client = client_for(world, persona)
            for method in METHODS:
                response = request(client, method, entry.url(world, key))
                # a GET may also just lead back to the page (which refuses them): nothing is done either way
                ok = response.status_code in (403, 405) or (method == "GET" and response.status_code == 302)
                checked(failures, key, persona, method, response, ok, "expected 403")
    assert not failures, "\n".join(failures)


def test_a_decision_maker_who_was_on_the_audit_team_cannot_decide(world):
    client = client_for(world, "decider_on_team")
    application = world.a.deciding
    page = client.get(f"/admin/certificates/casefile/{application.pk}/change/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/certificates/casefile/{application.pk}/decide/", {"outcome": "grant", "grade": "four_star"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.AWAITING_DECISION
    assert not hasattr(application, "decision") or application.decision is None

    other = client_for(world, "decider")  # the control: a decision-maker from outside the team may decide
    other.post(f"/admin/certificates/casefile/{application.pk}/decide/", {"outcome": "grant", "grade": "four_star"})
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED


def test_the_admin_registry_is_covered_too(entries):
    """Every registered ModelAdmin's pages are in the matrix (generated from the registry)."""
    for model in site._registry:
        opts = model._meta
        assert f"admin:{opts.app_label}_{opts.model_name}_changelist" in entries


def test_the_csrf_failure_page_is_csp_clean():
    """Django's own CSRF page has an inline style; ours (templates/403_csrf.html) does not."""
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"login": "x@example.com", "password": "x"})
    assert response.status_code == 403
    assert not html_problems(response)
