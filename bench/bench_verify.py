"""Verifying an uploaded certificate on the public page: the whole POST (upload, signature validation with pyHanko,
SHA-256 comparison, the page rendered) p50/p95 over 30 checks after a warm-up, and verify_pdf alone, on a real
certificate PDF signed with a development key (the demo case's certificate). BENCH_SMOKE=1: 3 checks."""

import io
import time

from _setup import django_setup, median, percentile, report, sized

django_setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from certportal.verification import verify_pdf  # noqa: E402

RUNS = sized(30, 3)

settings.ALLOWED_HOSTS = ["testserver"]
settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def main():
    from audits.models import IndicatorSet

    call_command("create_dev_signing_key", stdout=io.StringIO())
    # A real certificate, not a demo specimen: the body's points are entered, so the demo case is granted.
    IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)
    call_command("seed_demo", not_production=True, stdout=io.StringIO())  # DEBUG off, throwaway data
    certificate = Certificate.objects.exclude(pdf="").first()
    with certificate.pdf.open("rb") as f:
        pdf = f.read()
    url = reverse("certificates:compare", args=[certificate.verification_token])
    client = Client()

    def check():
        cache.clear()  # the page's rate limit (30 a minute per address) is not what is measured
        upload = SimpleUploadedFile("certificate.pdf", pdf, "application/pdf")
        start = time.perf_counter()
        response = client.post(url, {"pdf": upload})
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed

    def verify_only():
        start = time.perf_counter()
        result = verify_pdf(pdf, issued_sha256=certificate.pdf_sha256)
        elapsed = (time.perf_counter() - start) * 1000
        assert result.trusted and result.unchanged and result.matches_issued, result
        return elapsed

    check(), verify_only()  # warm-up
    pages = [check() for _ in range(RUNS)]
    alone = [verify_only() for _ in range(RUNS)]
    report("verify_certificate_p50", median(pages), "ms")
    report("verify_certificate_p95", percentile(pages, 95), "ms")
    report("verify_pdf_p50", median(alone), "ms")
    report("verify_certificate_pdf_size", len(pdf) / 1024, "KiB")


if __name__ == "__main__":
    main()
