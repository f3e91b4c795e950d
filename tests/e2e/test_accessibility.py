"""Accessibility: axe-core on every page of the URL matrix (tests/security/matrix.py) that its
legitimate visitor sees as HTML: public pages anonymously, the others with the entry's control persona (the admin
as staff), in Chinese and English, on a desktop (1280×900) and a phone (390×844). No critical or serious
violation may remain. axe-core is vendored (tests/e2e/vendor/axe-core/, VERSION.md) and loaded into each page as
an init script (before the page's own scripts, outside its CSP, so the page is checked as served, CSP included).
One context per persona, language and viewport; the failure lists page, persona, context, rule, impact and the
elements' selectors."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import Client
from playwright.async_api import async_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.flows import PHONE
from tests.security import matrix
from tests.security.world import build

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
IMPACTS = ("critical", "serious")
PAGES_AT_ONCE = 3  # tabs per context: Chromium runs axe on one page while the live server renders the next
# The WCAG 2.0/2.1 A and AA rules and axe's best practices: axe's default rules (its experimental, AAA and WCAG 2.2
# rules are off by default); only violations are collected, not the passes (faster).
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"],
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  });
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


async def html_only(context, base: str, urls: list) -> list:
    """The URLs that answer this visitor with an HTML page (not a download, a redirect or a refusal)."""
    pages = []
    for url in urls:
        response = await context.request.get(base + url, max_redirects=0)
        if response.status == 200 and response.headers.get("content-type", "").startswith("text/html"):
            pages.append(url)
    return pages


async def check_views(base: str, views: list, pages: dict, spent: dict) -> list:
    """axe-core on every (persona, cookie, language, screen, urls) view: one context for each, PAGES_AT_ONCE tabs
    in it taking the next page, so the server renders a page while Chromium checks another. Fills pages
    ({persona: the URLs that are HTML pages}) and returns the problems."""
    problems = []
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for persona, cookie, language, screen, urls in views:
            context = await chromium.new_context(viewport=VIEWPORTS[screen], locale=LOCALES[language])
            await context.add_init_script(path=AXE)  # runs in the page's own world before its scripts; no CSP applies
            if cookie:
                await context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
            if persona not in pages:
                pages[persona] = await html_only(context, base, urls)
            waiting, where = list(pages[persona]), f"{persona or 'anonymous'}, {language}, {screen}"
            await asyncio.gather(*(tab(context, base, waiting, where, problems, spent) for _ in range(PAGES_AT_ONCE)))
            await context.close()
        await chromium.close()
    return sorted(problems)


async def tab(context, base: str, waiting: list, where: str, problems: list, spent: dict) -> None:
    """One tab of a context: loads and checks the waiting URLs one after the other until none is left."""
    page = await context.new_page()
    while waiting:
        url = waiting.pop(0)
        loading = time.monotonic()
        await page.goto(base + url, wait_until="load")
        checking = time.monotonic()
        violations = await page.evaluate(RUN_AXE)
        spent["load"] += checking - loading
        spent["axe"] += time.monotonic() - checking
        spent["views"] += 1
        for violation in violations:
            if violation["impact"] in IMPACTS:
                targets = "; ".join(violation["targets"])
                problems.append(
                    f"{url} [{where}]: {violation['id']} ({violation['impact']}) {violation['help']} — {targets}"
                )


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_serious_accessibility_violations(live_server, browser, settings, capsys, artifacts_dir):
    """`browser` only decides whether browser tests run here; the pages are checked by an asynchronous Playwright
    (several tabs at once) in a thread of its own, since the synchronous one holds this thread's event loop."""
    settings.PAYMENT_PROVIDERS = ["sandbox"]
    started = time.monotonic()
    world = build()
    views = []
    for persona, urls in candidates(world).items():
        cookie = signed_in_client(world, persona).cookies["sessionid"].value if persona is not None else None
        views += [(persona, cookie, language, screen, urls) for language in LOCALES for screen in VIEWPORTS]
    pages, spent = {}, {"load": 0.0, "axe": 0.0, "views": 0}
    with ThreadPoolExecutor(max_workers=1) as thread:
        problems = thread.submit(asyncio.run, check_views(live_server.url, views, pages, spent)).result()
    count = sum(map(len, pages.values()))
    assert count > 100  # the matrix's pages, not a handful
    assert spent["views"] == count * len(LOCALES) * len(VIEWPORTS)
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\naxe-core: {spent['views']} page views ({count} pages × 4 contexts) in {seconds:.0f} s"
            f" (tabs' time loading pages {spent['load']:.0f} s, running axe {spent['axe']:.0f} s)"
        )
    (artifacts_dir / "axe-violations.txt").write_text("".join(line + "\n" for line in problems))  # kept by CI
    assert not problems, f"{len(problems)} critical/serious violations:\n" + "\n".join(problems)
