"""Signing overhead on the certificate render: the same certificate rendered unsigned (render_certificate) and
rendered then signed with the body's key and visible seal (what the render task stores), p50/p95 over 30 runs after
a warm-up; the overhead is the signing step's own time in each run. PAdES B-B with a development key (RSA-2048):
no timestamp authority or revocation data, which add a network round trip each. The signing step's CPU time
(time.process_time) is reported beside its wall-clock time: on a machine busy with other work the wall clock waits
for the CPU, the CPU time much less so. BENCH_SMOKE=1: a few runs."""

import io
import statistics
import time

from _setup import django_setup, percentile, report, sized

django_setup()

from django.core.management import call_command  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from certificates.pdf import render_certificate  # noqa: E402
from certportal.signing import sign_pdf  # noqa: E402

RUNS = sized(30, 3)


def main():
    from audits.models import IndicatorSet

    IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)
    call_command("seed_demo", not_production=True, stdout=io.StringIO())  # DEBUG off, throwaway data
    certificate = Certificate.objects.select_related("application").first()
    sign_pdf(render_certificate(certificate), seal=True)  # warm-up: fonts, the key, the seal's appearance

    unsigned, signed, overhead, overhead_cpu = [], [], [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        pdf = render_certificate(certificate)
        rendered, rendered_cpu = time.perf_counter(), time.process_time()
        signed_pdf = sign_pdf(pdf, seal=True)
        done, done_cpu = time.perf_counter(), time.process_time()
        unsigned.append((rendered - start) * 1000)
        signed.append((done - start) * 1000)
        overhead.append((done - rendered) * 1000)
        overhead_cpu.append((done_cpu - rendered_cpu) * 1000)

    report("certificate_render_unsigned_p50", statistics.median(unsigned), "ms")
    report("certificate_render_signed_p50", statistics.median(signed), "ms")
    report("certificate_sign_overhead_p50", statistics.median(overhead), "ms")
    report("certificate_sign_overhead_p95", percentile(overhead, 95), "ms")
    report("certificate_sign_overhead_cpu_p50", statistics.median(overhead_cpu), "ms")
    report("certificate_sign_size_added", (len(signed_pdf) - len(pdf)) / 1024, "KiB")


main()
