"""The auditor's scoring form on a Slow 4G phone connection (target: load <= 0.8 s, <= 60 KiB).

Collects the static files as production does (WhiteNoise's compressed manifest storage: hashed names, .gz copies),
starts gunicorn (one worker, DEBUG off, plain HTTP on loopback) and opens the form of an audit in progress in
Debian's Chromium at 390×844 with CDP network throttling: 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up, the
browser cache disabled and a new context for every load. Reports the median of RUNS loads: the time from the
navigation's start to the load event, and the bytes on the wire (headers and bodies, as Chromium counts them).
"""

import os
import statistics
import sys
import time

from _setup import django_setup, report, sized

RUNS = int(os.environ.get("BENCH_SLOW4G_RUNS", sized(5, 1)))
CHROMIUM = "/usr/bin/chromium"
SLOW_4G = {
    "offline": False,
    "latency": 150,  # ms, added to every request
    "downloadThroughput": 1.6e6 / 8,  # bytes/s
    "uploadThroughput": 750e3 / 8,
}

TIMELINE = """performance.getEntries().filter(e => e.entryType === "navigation" || e.entryType === "resource")
  .map(e => `${e.name.replace(location.origin, "")}: ${Math.round(e.startTime)}–${Math.round(e.responseStart)}`
            + `–${Math.round(e.responseEnd)} ms`
            + ` (${e.transferSize} B)`).join("\\n")"""


def main() -> None:
    if not os.path.exists(CHROMIUM):
        print(f"bench_auditor_slow4g: skipped, {CHROMIUM} is not installed (make system-deps)", file=sys.stderr)
        return
    django_setup()
    os.environ["BENCH_DATABASE_URL"] = os.environ["DATABASE_URL"]  # gunicorn below serves the same database
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    cookie, path = seed()
    from bench_load import free_port, start_gunicorn

    port = free_port()
    server = start_gunicorn(port)
    try:
        seconds, kib = measure(f"http://127.0.0.1:{port}", path, cookie)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report("auditor_form_slow4g_load", f"{statistics.median(seconds):.2f}", "s")
    report("auditor_form_slow4g_transfer", round(statistics.median(kib), 1), "KiB")


def seed() -> tuple[str, str]:
    """An audit in progress with half of its items scored; the lead auditor's session cookie; the form's path."""
    import datetime

    from _setup import signed_in_client
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from accounts.models import User
    from applications import uscc
    from applications.models import Application, Organization
    from audits.models import Audit, AuditTeamMember, IndicatorSet, ItemScore

    body = "91110100000000001"
    organization = Organization.objects.create(
        name="福州华星家电服务有限公司", credit_code=body + uscc.check_character(body)
    )
    auditor = User.objects.create(username="bench-auditor", email="auditor@bench.localhost", full_name="陈审核")
    auditor.groups.add(Group.objects.get(name="auditor"))
    application = Application.objects.create(
        organization=organization, status=Application.Status.AUDIT_PLANNED, created_by=auditor,
        org_name=organization.name, credit_code=organization.credit_code, scope="家用电器的安装与维修",
    )  # fmt: skip
    audit = Audit.objects.create(
        application=application, indicator_set=IndicatorSet.objects.get(is_active=True), status=Audit.Status.IN_PROGRESS,
        planned_start=datetime.date(2026, 11, 2), planned_end=datetime.date(2026, 11, 3), onsite_man_days=2,
        created_by=auditor,
    )  # fmt: skip
    AuditTeamMember.objects.create(audit=audit, auditor=auditor, role=AuditTeamMember.Role.LEAD)
    for indicator in list(audit.indicator_set.leaves())[::2]:
        ItemScore.objects.create(
            audit=audit,
            indicator=indicator,
            points=indicator.max_points,
            notes="现场核查，记录完整",
            updated_by=auditor,
        )
    client = signed_in_client(auditor)
    path = reverse("audits:form", args=[audit.pk])
    return client.cookies[settings.SESSION_COOKIE_NAME].value, path


def measure(base: str, path: str, cookie: str) -> tuple[list, list]:
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    seconds, kib = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        for run in range(RUNS + 1):  # the first load warms the server (templates, translations), not counted
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, locale="zh-CN"
            )
            context.set_extra_http_headers({"X-Forwarded-For": "198.18.0.1"})  # bench_load's gunicorn: one proxy
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", SLOW_4G)
            received = []
            cdp.on("Network.loadingFinished", lambda event, into=received: into.append(event["encodedDataLength"]))
            response = page.goto(base + path, wait_until="load")
            assert response.status == 200 and page.locator("[data-audit-form]").count() == 1, response.status
            load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
            time.sleep(0.2)  # the last loadingFinished events arrive after the load event
            if run == 1:  # what the time went into: each resource's start, first and last byte (ms from navigation)
                print(page.evaluate(TIMELINE), file=sys.stderr)
            if run:
                seconds.append(load)
                kib.append(sum(received) / 1024)
                print(f"bench_auditor_slow4g: {load:.2f} s, {sum(received) / 1024:.1f} KiB", file=sys.stderr)
            context.close()
        browser.close()
    return seconds, kib


if __name__ == "__main__":
    main()
