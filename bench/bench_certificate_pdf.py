"""Certificate PDF: render time (p50/p95 over 20 runs after a warm-up), size, font subsetting and peak RSS,
side by side with the same template rendered the naive way (Noto Serif CJK, fontTools instead of HarfBuzz)."""

import io
import resource
import statistics
import time

from _setup import django_setup, percentile, report

django_setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from certificates.pdf import CERTIFICATE_CSS, certificate_context, render_certificate  # noqa: E402
from certportal.pdf import safe_fetcher  # noqa: E402

RUNS, NAIVE_RUNS = 20, 3


def timed(render, runs):
    render()  # warm-up: font loading, caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        data = render()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, data


def main():
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from audits.models import IndicatorSet

    # A real certificate, not a demo specimen: the body's points are entered, so the demo case is granted.
    IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)
    call_command("seed_demo", not_production=True, stdout=io.StringIO())  # DEBUG off, throwaway data
    certificate = Certificate.objects.select_related("application").first()

    def fast():  # what the render task does: context (QR code), template, PDF with the parsed stylesheet
        return render_certificate(certificate)

    samples, pdf = timed(fast, RUNS)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    names = [str(fonts[k].get_object()["/BaseFont"]) for k in fonts]
    subset = sum(1 for n in names if "+" in n)

    import weasyprint.pdf.fonts as wp_fonts

    # The naive way: the same page with its style inline (parsed on every render), in Noto Serif CJK, and
    # without HarfBuzz subsetting (what a machine without the library does); context and template included too.
    with open(finders.find(CERTIFICATE_CSS), encoding="utf-8") as f:
        style = f.read().replace('"WenQuanYi Micro Hei", "Noto Sans CJK SC"', '"Noto Serif CJK SC"')
    assert "Noto Serif CJK SC" in style

    def naive_render():
        html = render_to_string("certificates/certificate_pdf.html", certificate_context(certificate))
        return HTML(
            string=html.replace("</head>", f"<style>{style}</style></head>"), url_fetcher=safe_fetcher()
        ).write_pdf()

    saved, wp_fonts.harfbuzz_subset = wp_fonts.harfbuzz_subset, None
    try:
        naive, _ = timed(naive_render, NAIVE_RUNS)
    finally:
        wp_fonts.harfbuzz_subset = saved

    p50 = statistics.median(samples)
    report("certificate_pdf_p50", p50, "ms")
    report("certificate_pdf_p95", percentile(samples, 95), "ms")
    report("certificate_pdf_naive_p50", statistics.median(naive), "ms")
    report("certificate_pdf_speedup", statistics.median(naive) / p50, "x")
    report("certificate_pdf_size", len(pdf) / 1024, "KiB")
    report("certificate_pdf_fonts_subset", f"{subset}/{len(names)}", "fonts")
    report("certificate_worker_rss", rss_mib, "MiB")


main()
