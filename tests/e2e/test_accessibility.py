"""Accessibility (issue 15, point 13): axe-core on every page of the URL matrix (tests/security/matrix.py) that its
legitimate visitor sees as HTML: public pages anonymously, the others with the entry's control persona (the admin
as staff), in Chinese and English, on a desktop (1280×900) and a phone (390×844). No critical or serious
violation may remain. axe-core is vendored (tests/e2e/vendor/axe-core/, VERSION.md) and injected into each page;
the contexts bypass the page's CSP only so that the injected script can run. One context per persona, language
and viewport; the failure lists page, rule, impact and the elements' selectors."""

import time
from pathlib import Path

import pytest
from django.test import Client

from tests.e2e.flows import PHONE
from tests.security import matrix
from tests.security.world import build

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
IMPACTS = ("critical", "serious")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


def visitor(entry) -> str | None:
    """Who looks at the page: nobody signed in for public pages, else the persona the matrix names."""
    return None if entry.kind == matrix.PUBLIC else entry.control


def signed_in_client(world, persona):
    client = Client()
    if persona is not None:
        client.force_login(world.persona(persona))  # tests/conftest.py: second factor included
    return client


def candidates(world) -> dict:
    """{persona: [url, …]}: the matrix's GET entries, each with the visitor who legitimately sees it."""
    urls = {}
    for name, entry in sorted(matrix.all_entries().items()):
        if entry.control_method == "GET":
            urls.setdefault(visitor(entry), []).append(entry.url(world, name))
    return urls


def html_only(context, base: str, urls: list) -> list:
    """The URLs that answer this visitor with an HTML page (not a download, a redirect or a refusal)."""
    pages = []
    for url in urls:
        response = context.request.get(base + url, max_redirects=0)
        if response.status == 200 and response.headers.get("content-type", "").startswith("text/html"):
            pages.append(url)
    return pages


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_serious_accessibility_violations(live_server, browser, settings, capsys, artifacts_dir):
    settings.PAYMENT_PROVIDERS = ["sandbox"]
    started = time.monotonic()
    world = build()
    problems, checked, pages = [], 0, {}
    for persona, urls in candidates(world).items():
        client = signed_in_client(world, persona)
        for language, locale in LOCALES.items():
            for screen, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, locale=locale, bypass_csp=True)
                if persona is not None:
                    cookie = client.cookies["sessionid"].value
                    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
                if persona not in pages:
                    pages[persona] = html_only(context, live_server.url, urls)
                page = context.new_page()
                for url in pages[persona]:
                    page.goto(live_server.url + url)
                    page.add_script_tag(path=AXE)
                    checked += 1
                    for violation in page.evaluate(RUN_AXE):
                        if violation["impact"] in IMPACTS:
                            where = f"{url} [{persona or 'anonymous'}, {language}, {screen}]"
                            targets = "; ".join(violation["targets"])
                            problems.append(
                                f"{where}: {violation['id']} ({violation['impact']}) {violation['help']} — {targets}"
                            )
                context.close()
    assert sum(map(len, pages.values())) > 100  # the matrix's pages, not a handful
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\naxe-core: {checked} page views ({sum(map(len, pages.values()))} pages × 4 contexts) in {seconds:.0f} s"
        )
    (artifacts_dir / "axe-violations.txt").write_text("".join(line + "\n" for line in problems))  # kept by CI
    assert not problems, f"{len(problems)} critical/serious violations:\n" + "\n".join(problems)
