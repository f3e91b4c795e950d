"""A 50 MB material upload through gunicorn: how much the web worker's resident memory grows (targets DJ-4).

Starts the portal under gunicorn (one sync worker, a throwaway SQLite database and var/ folder, MAX_UPLOAD_SIZE
raised to 60 MB), signs a user in through a session cookie, streams a 50 MB PDF to the upload view and reads the
worker's VmRSS from /proc before and after, and its peak (VmHWM, reset to the current RSS just before the upload
through /proc/<pid>/clear_refs), so upload_50mb_peak_rss_growth is the most the upload ever held at once. The PDF
is what a scanner makes: one page per 1 MB image, every image referenced (the rewrite copies each of them).
Everything is removed again at the end.

BENCH_SMOKE=1: a 3 MB PDF (still above FILE_UPLOAD_MAX_MEMORY_SIZE, so the same code path), for a quick run;
its figures mean nothing.
"""

import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from _setup import ROOT, django_setup, free_port, report, sized

PAGE_IMAGE = 1024 * 1024
SIZE = sized(50, 3) * 1024 * 1024
TMP = Path(tempfile.mkdtemp(prefix="certportal-bench-upload-"))
os.environ.update(
    CERTPORTAL_VAR_DIR=str(TMP),
    DATABASE_URL=f"sqlite:///{TMP}/bench.sqlite3",
    MAX_UPLOAD_SIZE=str(60 * 1024 * 1024),
    ALLOWED_HOSTS="127.0.0.1",
    DEBUG="false",
    # plain HTTP on loopback: the HTTPS-only defaults of DEBUG off are turned off explicitly
    SECURE_SSL_REDIRECT="false",
    SESSION_COOKIE_SECURE="false",
    CSRF_COOKIE_SECURE="false",
)


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def prepare() -> tuple[str, int]:
    """A signed-in applicant with a draft; returns the session cookie and the business-licence item's id."""
    django_setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG is off: the manifest must exist

    from accounts.models import User
    from applications import uscc
    from applications.models import Application, Membership, Organization

    user = User.objects.create_user("bench", "bench@example.com", "bench-password-2026")
    code = "91350100" + "000000042"
    organization = Organization.objects.create(name="基准测试有限公司", credit_code=code + uscc.check_character(code))
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.OWNER)
    application = Application.start(organization=organization, by=user)
    client = Client()
    client.force_login(user)
    item = application.material_items.get(material_type__code="business_licence")
    return client.cookies["sessionid"].value, item.pk


def write_pdfs() -> tuple[Path, Path]:
    """A small PDF for the warm-up and a 50 MB one, written to the temp folder."""
    from tests.applications.samples import pdf  # importable once django_setup() put the project on sys.path

    small, big = TMP / "small.pdf", TMP / "licence.pdf"
    small.write_bytes(pdf())
    write_scan(big, pages=SIZE // PAGE_IMAGE)
    return small, big


def write_scan(path: Path, *, pages: int) -> None:
    """A scanned document: each page shows one image (random bytes as JPEG data, which nothing decodes)."""
    offsets = []
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

        def write_object(body: bytes, stream: bytes | None = None) -> None:
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n%s\n" % (len(offsets), body))
            if stream is not None:
                out.write(b"stream\n%s\nendstream\n" % stream)
            out.write(b"endobj\n")

        kids = b" ".join(b"%d 0 R" % (3 + 3 * page) for page in range(pages))
        write_object(b"<< /Type /Catalog /Pages 2 0 R >>")
        write_object(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages))
        content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
        for page in range(pages):
            number = 3 + 3 * page
            write_object(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 %d 0 R >> >>"
                b" /Contents %d 0 R >>" % (number + 1, number + 2)
            )
            write_object(
                b"<< /Type /XObject /Subtype /Image /Width 2480 /Height 3508 /ColorSpace /DeviceGray"
                b" /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>" % PAGE_IMAGE,
                os.urandom(PAGE_IMAGE),
            )
            write_object(b"<< /Length %d >>" % len(content), content)
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
        out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref))


def post_file(port: int, url: str, cookie: str, path: Path) -> tuple[int, bytes, float]:
    """Stream a multipart upload from disk (the bench process never holds it in one piece)."""
    boundary = uuid.uuid4().hex
    csrf = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="licence.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.putrequest("POST", url)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + path.stat().st_size + len(tail)))
    connection.putheader("Cookie", f"sessionid={cookie}; csrftoken={csrf}")
    connection.putheader("X-CSRFToken", csrf)
    connection.putheader("X-Requested-With", "XMLHttpRequest")
    connection.endheaders()
    start = time.perf_counter()
    connection.send(head)
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    return response.status, body, time.perf_counter() - start


def wait_until_up(port: int, cookie: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/portal/", headers={"Cookie": f"sessionid={cookie}"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("gunicorn did not answer")


def main() -> None:
    cookie, item_id = prepare()
    small, pdf = write_pdfs()
    port = free_port()
    log = (TMP / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "certportal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--timeout", "120"],
        cwd=ROOT,
        env=os.environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_until_up(port, cookie, time.monotonic() + 30)
        except TimeoutError:
            print((TMP / "gunicorn.log").read_text()[-3000:])
            raise
        worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])
        url = f"/portal/materials/{item_id}/upload/"
        assert post_file(port, url, cookie, small)[0] == 200  # warm-up: the upload code path is loaded
        peak_before = status_kb(worker, "VmHWM")
        Path(f"/proc/{worker}/clear_refs").write_text("5")  # VmHWM starts again from the current VmRSS
        rss_before = status_kb(worker, "VmRSS")
        status, body, seconds = post_file(port, url, cookie, pdf)
        rss_after, peak_after = status_kb(worker, "VmRSS"), status_kb(worker, "VmHWM")
        assert status == 200 and b'"ok": true' in body, (status, body[:300])
        report("upload_50mb_rss_delta", (rss_after - rss_before) / 1024, "MB")
        report("upload_50mb_peak_rss_delta", (peak_after - max(peak_before, rss_before)) / 1024, "MB")
        report("upload_50mb_peak_rss_growth", (peak_after - rss_before) / 1024, "MB")
        report("upload_50mb_seconds", seconds, "s")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
