"""Soak with restarts: mixed load on the production stack while PostgreSQL and Redis restart.

Loopback only, bounded: SOAK_SECONDS (default 900; `make bench` shortens it). The stack is the one `make run-prod`
runs: gunicorn (2 workers), 2 Celery workers, PostgreSQL, Redis (broker and cache). PostgreSQL and Redis are the
bench's own, started for it on free ports (a PostgreSQL cluster made with initdb, a redis-server with its append-only
file on, as a production Redis keeps it), so that restarting them disturbs nothing else on the machine; private files
are in a folder. Users, each on its own thread:

- applicants (SOAK_APPLICANTS, default 3): save a draft step, upload a PDF, invite a colleague (the invitation's
  e-mail is a Celery task), in turn;
- a reviewer: the admin's application list and an application's change page;
- public visitors: the verification page of a certificate, each request from another address.

At 30 % of the time PostgreSQL is restarted (pg_ctl stop -m fast, down SOAK_DOWN_SECONDS, default 5, then started),
at 60 % Redis (SIGTERM, down as long, then started again on the same port and files). Every request is logged with
its time, outcome and latency; every write a user was told succeeded (a saved step, an uploaded file, an invitation)
is kept and looked for at the end, and every invitation in the database must have had its e-mail sent once the queue
is drained and the outbox swept (as the beat does).

Prints bench: lines: soak_lost_writes and soak_lost_tasks (must be 0), the error rate in the 30 s after each restart
and after that until the next event, the seconds from each restart to the first success after its last failure,
and p95 latency before the first restart and after the last one.
"""

import io
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import ROOT, free_port, percentile, report, signed_in_client, sized

# BENCH_SMOKE=1: a 15 s soak with 2 s windows and 1 s outages, for CI (the same users, restarts and findings).
FULL_SECONDS = 900
SECONDS = int(os.environ.get("SOAK_SECONDS", sized(FULL_SECONDS, 15)))
APPLICANTS = int(os.environ.get("SOAK_APPLICANTS", 3))
PAUSE = float(os.environ.get("SOAK_PAUSE", 0.2))  # seconds between two requests of one user
DURING = sized(30, 2)  # seconds after a restart counted as "during" it (and 2 s before: requests in flight)
WARM_UP = sized(10, 1)  # first seconds, not counted in "before" (templates, translations, connections)
# For the outbox sweep to send what a broker outage left behind: it takes rows older than 2 minutes, so a smoke run
# sends it but cannot wait for it (work still unsent then counts as lost; its figures are not checked).
DRAIN_SECONDS = sized(240, 20)
QUIET_SECONDS = sized(30, 10)  # for the queue to empty by itself first
SWEEP_EVERY = sized(20, 5)
# How long each service stays down when restarted: a production PostgreSQL's restart (shutdown checkpoint, start-up)
# or a Redis loading its append-only file takes seconds, not the fraction of one an empty one here needs.
DOWN_SECONDS = float(os.environ.get("SOAK_DOWN_SECONDS", sized(5, 1)))
DATABASE = "certportal_soak"


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(interval)
    return None


# --- the bench's own services --------------------------------------------------------------------------------


class Postgres:
    """A PostgreSQL cluster of the bench's own (initdb), run as the postgres user when the bench runs as root."""

    def __init__(self):
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        self.bin = candidates[-1].parent if candidates else Path(shutil.which("initdb") or "initdb").parent
        self.dir = Path(tempfile.mkdtemp(prefix="certportal-soak-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Output to a file, never a pipe: the server started by pg_ctl would hold the pipe open (and run() wait).
        with open(self.dir / "pg_ctl.log", "a") as log:
            subprocess.run(command, check=True, stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=self.dir)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-o", options, "-w", "start")

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        time.sleep(DOWN_SECONDS)
        self.start()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """A redis-server of the bench's own with the append-only file on, so a restart keeps the queued messages."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="certportal-soak-redis-"))
        self.port = free_port()
        self.process = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            shutil.which("redis-server"),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
        ]
        command += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(lambda: reachable(self.port), 10):
            raise RuntimeError("redis-server did not start")

    def restart(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # a clean shutdown: the append-only file is flushed
        self.process.wait(timeout=30)
        time.sleep(DOWN_SECONDS)
        self.start()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


class Stack:
    """gunicorn (2 workers) and 2 Celery workers on the bench's database, Redis and folder."""

    def __init__(self, env: dict, workdir: Path):
        self.env, self.workdir, self.port = env, workdir, free_port()
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self) -> None:
        bin_dir = Path(sys.executable).parent
        web = [str(bin_dir / "gunicorn"), "certportal.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"]
        self._spawn("web", web + ["--timeout", "60", "--forwarded-allow-ips", "127.0.0.1"])
        for n in (1, 2):
            worker = [str(bin_dir / "celery"), "-A", "certportal", "worker", "--concurrency", "1", "-l", "WARNING"]
            self._spawn(f"worker{n}", worker + ["--hostname", f"soak{n}@%h", "--without-gossip", "--without-mingle"])
        if not wait_until(self.answers, 60):
            raise RuntimeError("gunicorn did not start:\n" + self.logs())

    def answers(self) -> bool:
        """Whether a web worker answers (the master listens long before its workers have loaded Django)."""
        import requests

        try:
            return requests.get(f"http://127.0.0.1:{self.port}/health/live/", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115 (kept open for the process's life)
        self.processes.append((name, subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)))

    def logs(self) -> str:
        return "".join(
            f"--- {name}\n{(self.workdir / f'{name}.log').read_text()[-3000:]}" for name, _ in self.processes
        )

    def stop(self) -> None:
        for _, process in self.processes:
            process.terminate()
        for _, process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


# --- the users -----------------------------------------------------------------------------------------------


class Load:
    def __init__(self, base: str):
        self.base = base
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.requests: list[tuple[float, str, bool, float]] = []  # (second, kind, succeeded, milliseconds)
        self.drafts: dict[int, list[tuple[str, bool]]] = {}  # application -> [(value sent, acknowledged)] in order
        self.uploads: list[tuple[int, str, str]] = []  # acknowledged: (item, original name, SHA-256 as uploaded)
        self.invitations: list[str] = []  # acknowledged invitation addresses

    def now(self) -> float:
        return time.monotonic() - self.started

    def session(self, cookie: str | None, address: str):
        import requests

        session = requests.Session()
        token = "".join(random.choices(string.ascii_letters + string.digits, k=32))  # noqa: S311
        session.cookies.set("csrftoken", token)
        if cookie:
            name, _, value = cookie.partition("=")
            session.cookies.set(name, value)
        session.headers.update({"X-CSRFToken": token, "X-Forwarded-For": address})
        return session

    def call(self, session, kind: str, method: str, path: str, expect, **kwargs):
        import requests

        began = time.monotonic()
        try:
            response = session.request(method, self.base + path, timeout=15, allow_redirects=False, **kwargs)
            succeeded = expect(response)
        except requests.RequestException:
            response, succeeded = None, False
        self.requests.append((began - self.started, kind, succeeded, (time.monotonic() - began) * 1000))
        return succeeded

    def applicant(self, number: int, user: dict) -> None:
        session = self.session(user["cookie"], f"198.18.1.{number}")
        pk, item = user["application"], user["item"]
        step = f"/portal/applications/{pk}/form/commitments/"
        saved = self.drafts.setdefault(pk, [])
        n = 0
        while not self.stop.is_set():
            n += 1
            if n % 3 == 1:
                value = f"保修两年，24 小时内上门（soak {number}-{n}）"
                ok = self.call(
                    session, "save_draft", "POST", step, lambda r: r.status_code == 302 and step in r.headers["Location"],
                    data={"service_commitments": value, "go": "stay"},
                )  # fmt: skip
                saved.append((value, ok))
            elif n % 3 == 2:
                name, content = f"soak-{number}-{n}.pdf", pdf_bytes(f"soak {number}-{n}")
                ok = self.call(
                    session, "upload", "POST", f"/portal/materials/{item}/upload/",
                    lambda r: r.status_code == 200 and r.json().get("ok") is True,
                    files={"files": (name, content, "application/pdf")}, headers={"X-Requested-With": "XMLHttpRequest"},
                )  # fmt: skip
                if ok:
                    import hashlib

                    self.uploads.append((item, name, hashlib.sha256(content).hexdigest()))
            else:
                email = f"soak-{number}-{n}@example.com"
                ok = self.call(
                    session, "invite", "POST", "/portal/organization/invite/",
                    lambda r: r.status_code == 302 and r.headers["Location"].endswith("/portal/organization/"),
                    data={"email": email},
                )  # fmt: skip
                if ok:
                    self.invitations.append(email)
            time.sleep(PAUSE)

    def reviewer(self, cookie: str, application: int) -> None:
        session = self.session(cookie, "198.18.2.1")
        pages = ["/admin/applications/application/", f"/admin/applications/application/{application}/change/"]
        n = 0
        while not self.stop.is_set():
            n += 1
            self.call(session, "admin", "GET", pages[n % 2], lambda r: r.status_code == 200)
            time.sleep(PAUSE)

    def visitors(self, tokens: list[str]) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            session = self.session(None, f"198.19.{n // 250 % 250}.{n % 250 + 1}")
            self.call(session, "verify", "GET", f"/verify/{tokens[n % len(tokens)]}/", lambda r: r.status_code == 200)
            time.sleep(PAUSE)


def pdf_bytes(title: str) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = title
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# --- set-up, run, findings -----------------------------------------------------------------------------------


def seed() -> dict:
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth.models import Group

    from accounts.models import User
    from applications import uscc
    from applications.models import Application, Membership, Organization
    from audits.models import Audit, IndicatorSet
    from certificates.services import grant_certification

    def cookie_of(user, backend=None) -> str:
        client = signed_in_client(user, backend)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def organization(n: int) -> Organization:
        body = f"9131010{n:010d}"
        return Organization.objects.create(
            name=f"浸泡测试企业{n}有限公司", credit_code=body + uscc.check_character(body)
        )

    applicants = []
    for n in range(1, APPLICANTS + 1):
        user = User.objects.create(username=f"soak-applicant-{n}", email=f"applicant{n}@soak.localhost")
        user.groups.add(Group.objects.get(name="applicant"))
        org = organization(n)
        Membership.objects.create(user=user, organization=org, role=Membership.Role.OWNER)
        application = Application.start(organization=org, by=user)
        application.ensure_material_items()
        item = application.material_items.order_by("pk").first()
        cookie = cookie_of(user, "applications.backends.PortalAuthenticationBackend")
        applicants.append({"cookie": cookie, "application": application.pk, "item": item.pk})

    reviewer = User.objects.create(username="soak-reviewer", email="reviewer@soak.localhost", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    decider = User.objects.create(username="soak-decider", email="decider@soak.localhost", is_staff=True)
    decider.groups.add(Group.objects.get(name="decision_maker"))
    indicator_set = IndicatorSet.objects.get(is_active=True)
    IndicatorSet.objects.filter(pk=indicator_set.pk).update(has_placeholder_points=False)
    tokens = []
    for n in range(3):
        org = organization(100 + n)
        deciding = Application.objects.create(
            organization=org, status=Application.Status.AWAITING_DECISION, created_by=decider, org_name=org.name,
            credit_code=org.credit_code, address="上海市浦东新区世纪大道 100 号", scope="家用电器的安装与维修",
            grade="four_star", score=Decimal("91.5"),
        )  # fmt: skip
        Audit.objects.create(
            application=deciding, indicator_set=indicator_set, status=Audit.Status.SUBMITTED, score=Decimal("91.5"),
            grade="four_star", planned_start="2026-11-02", planned_end="2026-11-03", onsite_man_days=2,
            created_by=decider,
        )  # fmt: skip
        tokens.append(grant_certification(application=deciding, by=decider).verification_token)
    return {
        "applicants": applicants,
        "reviewer": cookie_of(reviewer),
        "tokens": tokens,
        "application": applicants[0]["application"],
    }


def lost_writes(load: Load) -> list[str]:
    """Every write a user was told succeeded, looked for in the database (and its file in the storage)."""
    import hashlib

    from django.core.files.storage import default_storage

    from applications.models import Application, Invitation, MaterialFile

    lost = []
    for pk, attempts in load.drafts.items():
        acknowledged = [i for i, (_, ok) in enumerate(attempts) if ok]
        if not acknowledged:
            continue
        # The last acknowledged value, or a later attempt whose answer was lost but whose transaction committed.
        possible = {value for value, _ in attempts[acknowledged[-1] :]}
        value = Application.objects.get(pk=pk).service_commitments
        if value not in possible:
            lost.append(f"application {pk}: {value!r}, acknowledged {attempts[acknowledged[-1]][0]!r}")
    for item, name, sha256 in load.uploads:
        found = MaterialFile.objects.filter(item_id=item, original_name=name, sha256=sha256).first()
        if found is None:
            lost.append(f"upload {name}: no record")
            continue
        with default_storage.open(found.file.name, "rb") as stored:
            if hashlib.sha256(stored.read()).hexdigest() != found.stored_sha256:
                lost.append(f"upload {name}: the stored file differs from its record")
    existing = set(Invitation.objects.filter(email__in=load.invitations).values_list("email", flat=True))
    lost += [f"invitation {email}: no record" for email in load.invitations if email not in existing]
    return lost


def unsent_invitations() -> int:
    from django.db import connections

    from applications.models import Invitation

    connections.close_all()
    return Invitation.objects.filter(emailed_at__isnull=True).count()


def drain() -> tuple[int, int]:
    """Wait for every invitation's e-mail. Those whose message could not be sent (the broker down at commit) stay
    in the outbox: the beat's redelivery sweep (every 5 minutes; it takes rows older than 2) sends them again. The
    bench has no beat, so it sends the sweep task to the workers the same way, every SWEEP_EVERY seconds.
    Returns (e-mails still unsent once the queue was quiet, e-mails never sent)."""
    from celery import current_app

    wait_until(lambda: unsent_invitations() == 0, QUIET_SECONDS, 1)
    left = unsent_invitations()
    deadline = time.monotonic() + DRAIN_SECONDS
    while unsent_invitations() and time.monotonic() < deadline:
        current_app.send_task("certificates.tasks.redeliver_pending")
        wait_until(lambda: unsent_invitations() == 0, SWEEP_EVERY, 1)
    return left, unsent_invitations()


def window(load: Load, start: float, end: float) -> tuple[int, int, list[float]]:
    inside = [r for r in load.requests if start <= r[0] < end]
    return len(inside), sum(not r[2] for r in inside), [r[3] for r in inside if r[2]]


def recovery(load: Load, event: float, end: float) -> float:
    """Seconds from the restart to the first successful request after the last failed one (0: nothing failed)."""
    inside = sorted(r for r in load.requests if event <= r[0] < end)
    failures = [r[0] for r in inside if not r[2]]
    if not failures:
        return 0.0
    after = [r[0] for r in inside if r[2] and r[0] > failures[-1]]
    return (after[0] if after else end) - event


def run(workdir: Path, postgres: Postgres, redis: Redis) -> None:
    database_url = f"{postgres.url}/{DATABASE}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certportal.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis.url(0),
        "CACHE_URL": redis.url(1),
        "CERTPORTAL_VAR_DIR": str(workdir),
        "SECRET_KEY": "soak-" + "x" * 60,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "TRUSTED_PROXY_COUNT": "1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(workdir / "mail"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update({k: v for k, v in env.items() if k != "CELERY_TASK_ALWAYS_EAGER"})
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # this process seeds with the tasks inline
    subprocess.run([str(postgres.bin / "createdb"), "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres",
                    DATABASE], check=True)  # fmt: skip
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seeded = seed()
    from django.db import connections

    connections.close_all()

    stack = Stack(env, workdir)
    stack.start()
    load = Load(f"http://127.0.0.1:{stack.port}")
    threads = [threading.Thread(target=load.applicant, args=(n + 1, a)) for n, a in enumerate(seeded["applicants"])]
    threads += [threading.Thread(target=load.reviewer, args=(seeded["reviewer"], seeded["application"]))]
    threads += [threading.Thread(target=load.visitors, args=(seeded["tokens"],))]
    try:
        for thread in threads:
            thread.start()
        events = {}
        for name, at, service in (("pg", 0.3, postgres), ("redis", 0.6, redis)):
            time.sleep(max(0.0, at * SECONDS - load.now()))
            events[name] = load.now()
            began = time.monotonic()
            service.restart()
            report(f"soak_{name}_restart", time.monotonic() - began, "s")
            print(f"bench_soak: {name} restarted at {events[name]:.0f} s, in {time.monotonic() - began:.1f} s",
                  file=sys.stderr)  # fmt: skip
        time.sleep(max(0.0, SECONDS - load.now()))
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        end = load.now()
        left_in_outbox, unsent = drain()
        lost = lost_writes(load)
        from applications.models import Invitation

        sent = Invitation.objects.count()
    finally:
        load.stop.set()
        stack.stop()
        from django.db import connections

        connections.close_all()

    if lost or unsent:
        print("bench_soak: lost: " + "; ".join(lost[:10]) + f"; unsent invitations {unsent}", file=sys.stderr)
        print(stack.logs(), file=sys.stderr)
    total, errors, _ = window(load, 0, end)
    report("soak_duration", round(end), "s")
    report("soak_requests", total, "requests")
    report("soak_errors", errors, "requests")
    acknowledged = sum(ok for attempts in load.drafts.values() for _, ok in attempts)
    report("soak_acknowledged_writes", acknowledged + len(load.uploads) + len(load.invitations), "writes")
    report("soak_lost_writes", len(lost), "writes")
    report("soak_tasks_sent", sent, "tasks")
    report("soak_lost_tasks", unsent, "tasks")
    report("soak_sent_by_outbox_sweep", left_in_outbox, "tasks")
    before = window(load, WARM_UP, events["pg"] - 2)
    report("soak_error_rate_before", 100 * before[1] / max(before[0], 1), "%")
    boundaries = {"pg": (events["pg"], events["redis"]), "redis": (events["redis"], end)}
    for name, (event, until) in boundaries.items():
        during, after = window(load, event - 2, event + DURING), window(load, event + DURING, until)
        report(f"soak_{name}_error_rate_during", 100 * during[1] / max(during[0], 1), "%")
        report(f"soak_{name}_error_rate_after", 100 * after[1] / max(after[0], 1), "%")
        report(f"soak_{name}_recovery", recovery(load, event, until), "s")
    report("soak_p95_before", percentile(before[2] or [0.0], 95), "ms")
    last = window(load, events["redis"] + DURING, end)
    report("soak_p95_after", percentile(last[2] or [0.0], 95), "ms")
    for kind in sorted({r[1] for r in load.requests}):
        mine = [r for r in load.requests if r[1] == kind]
        failed = [round(r[0]) for r in mine if not r[2]]
        print(f"bench_soak: {kind}: {len(mine)} requests, {len(failed)} failed (at s: {failed[:20]})", file=sys.stderr)


def main() -> None:
    missing = [p for p in ("redis-server", "runuser" if os.geteuid() == 0 else "true") if not shutil.which(p)]
    if missing or not (sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or shutil.which("initdb")):
        print(f"bench_soak: skipped, needs PostgreSQL's server programs and redis-server ({missing})", file=sys.stderr)
        return
    if SECONDS < FULL_SECONDS:
        print(f"bench_soak: shortened to {SECONDS} s by SOAK_SECONDS (the full soak is {FULL_SECONDS} s)")
    if SECONDS < 4 * DURING:  # the last restart's 30 s, then some time after it
        sys.exit(f"bench_soak: SOAK_SECONDS must be at least {4 * DURING}")
    workdir = Path(tempfile.mkdtemp(prefix="certportal-soak-"))
    postgres, redis = Postgres(), Redis()
    try:
        postgres.init()
        postgres.start()
        redis.start()
        run(workdir, postgres, redis)
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
