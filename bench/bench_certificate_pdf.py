"""Certificate PDF: render time (p50/p95 over 20 runs after a warm-up), size, font subsetting and peak RSS, side by
side with the same certificate (template, context, stylesheet and font) through a plain WeasyPrint call:
`HTML(string=..., base_url=...).write_pdf(stylesheets=[the CSS file])`, which parses the stylesheet on every render,
  - with HarfBuzz subsetting (WeasyPrint's default when libharfbuzz-subset is there),
  - without it: the fontTools subsetter WeasyPrint falls back to where the library is missing,
  - without any subsetting (full_fonts=True: the whole font embedded).
BENCH_SMOKE=1: a couple of renders of each, same code paths."""

import io
import os
import resource
import statistics
import time

from _setup import django_setup, percentile, report, sized

django_setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from certificates.pdf import CERTIFICATE_CSS, certificate_context, render_certificate  # noqa: E402

RUNS, PLAIN_RUNS = sized(20, 2), sized(3, 1)


def timed(render, runs):
    render()  # warm-up: font loading, caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        data = render()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, data


def fonts(pdf: bytes) -> tuple[list[str], int]:
    """The page's font names without their subset tag (ABCDEF+), and how many of them are subsets."""
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    names = [str(resources[k].get_object()["/BaseFont"]).lstrip("/") for k in resources]
    return sorted(name.split("+", 1)[-1] for name in names), sum("+" in name for name in names)


def main():
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from audits.models import IndicatorSet

    # A real certificate, not a demo specimen: the body's points are entered, so the demo case is granted.
    IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)
    call_command("seed_demo", not_production=True, stdout=io.StringIO())  # DEBUG off, throwaway data
    certificate = Certificate.objects.select_related("application").first()

    def ours():  # what the render task does: context (QR code), template, PDF with the parsed stylesheet
        return render_certificate(certificate)

    samples, pdf = timed(ours, RUNS)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    our_fonts, subset = fonts(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    p50 = statistics.median(samples)
    report("certificate_pdf_p50", p50, "ms")
    report("certificate_pdf_p95", percentile(samples, 95), "ms")
    report("certificate_pdf_size", len(pdf) / 1024, "KiB")
    report("certificate_pdf_fonts_subset", f"{subset}/{len(our_fonts)}", "fonts")
    report("certificate_worker_rss", rss_mib, "MiB")

    css = finders.find(CERTIFICATE_CSS)
    import weasyprint.pdf.fonts as wp_fonts

    def plain(**options):
        html = render_to_string("certificates/certificate_pdf.html", certificate_context(certificate))
        return HTML(string=html, base_url=os.path.dirname(css)).write_pdf(stylesheets=[css], **options)

    harfbuzz_subset = wp_fonts.harfbuzz_subset
    for name, without_harfbuzz, options in [
        ("plain_harfbuzz", False, {}),
        ("plain_fonttools", True, {}),
        ("plain_full_fonts", False, {"full_fonts": True}),
    ]:
        wp_fonts.harfbuzz_subset = None if without_harfbuzz else harfbuzz_subset
        try:
            plain_samples, plain_pdf = timed(lambda options=options: plain(**options), PLAIN_RUNS)
        finally:
            wp_fonts.harfbuzz_subset = harfbuzz_subset
        # The same certificate: the same pages in the same font.
        assert fonts(plain_pdf)[0] == our_fonts, (fonts(plain_pdf)[0], our_fonts)
        assert len(PdfReader(io.BytesIO(plain_pdf)).pages) == pages
        plain_p50 = statistics.median(plain_samples)
        report(f"certificate_pdf_{name}_p50", plain_p50, "ms")
        report(f"certificate_pdf_{name}_size", len(plain_pdf) / 1024, "KiB")
        report(f"certificate_pdf_{name}_vs_ours", plain_p50 / p50, "x")


main()
