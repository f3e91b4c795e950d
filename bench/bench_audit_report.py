"""Audit report PDF: a 10-page report with 20 photos (derivatives made as the Celery task makes them).
Prints the p50 render time over several renders after a warm-up (goal ≤ 3000 ms), the page count and size.

BENCH_RUNS (default 7) sets the number of timed renders; BENCH_SAVE_PDF=path keeps the last PDF to look at;
BENCH_SMOKE=1 renders a 2-photo report once, through the same code."""

import io
import os
import statistics
import time

from _setup import django_setup, percentile, report, sized

django_setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from accounts.models import User  # noqa: E402
from audits import services  # noqa: E402
from audits.imaging import make_derivatives  # noqa: E402
from audits.models import Audit, AuditPhoto, ItemScore, Nonconformity  # noqa: E402
from audits.report import render_report  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", sized(7, 1)))
PHOTOS = sized(20, 2)
NOTE = (
    "抽查了 {n} 份服务记录、培训档案与投诉台账，现场询问了维修工程师与客服人员。"
    "记录基本完整，个别记录缺少顾客签字；回访记录与工单系统一致。"
    "Checked service records, training files and the complaint log; interviewed engineers and call-centre staff. "
)


def phone_photo(n: int) -> bytes:
    """A 4032×3024 JPEG with texture (so it compresses like a photo), as a phone camera would send it."""
    size = (4032, 3024)
    noise = Image.effect_noise(size, 40).convert("L")
    image = Image.merge("RGB", (noise, noise.point(lambda v: (v + 60 * n) % 256), noise.point(lambda v: 255 - v)))
    draw = ImageDraw.Draw(image)
    for k in range(12):
        draw.rectangle((k * 320, 400 + k * 90, k * 320 + 260, 900 + k * 120), fill=(40 + k * 15, 90, 160))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def prepare() -> Audit:
    call_command("seed_demo", not_production=True, stdout=io.StringIO())  # DEBUG off, throwaway data
    auditor = User.objects.get(username="demo-auditor")
    audit = Audit.objects.get(status=Audit.Status.IN_PROGRESS)
    leaves = list(audit.indicator_set.leaves().order_by("order"))
    nonconforming = {leaves[i * 2].pk for i in range(8)}  # an item with a nonconformity scores 0 (GB/T 27922)
    for i, indicator in enumerate(leaves):
        ItemScore.objects.create(
            audit=audit,
            indicator=indicator,
            points=0 if indicator.pk in nonconforming else indicator.max_points - (1 if i % 4 == 0 else 0),
            notes=(NOTE * 4).format(n=10 + i),
            updated_by=auditor,
        )
    for i in range(8):
        audit.raise_nonconformity(
            by=auditor,
            description=(NOTE * 2).format(n=i),
            indicator=leaves[i * 2],
            severity=Nonconformity.Severity.MAJOR if i % 3 == 0 else Nonconformity.Severity.MINOR,
        )
    audit.add_special_finding(by=auditor, kind="bonus", description="24 小时上门服务覆盖全部城区，行业领先。")
    made = []
    for n in range(PHOTOS):
        start = time.perf_counter()
        original = phone_photo(n)
        derivatives = make_derivatives(io.BytesIO(original))
        made.append((time.perf_counter() - start) * 1000)
        photo = AuditPhoto(
            audit=audit,
            indicator=leaves[n % len(leaves)],
            caption=f"现场照片 {n + 1}：维修工位与备件库",
            original_name=f"IMG_{n:04d}.jpg",
            content_type="image/jpeg",
            size=len(original),
            sha256="0" * 64,
            uploaded_by=auditor,
        )
        photo.file.save(photo.storage_key("original"), ContentFile(original), save=False)
        photo.derivative.save(photo.storage_key("picture"), ContentFile(derivatives.picture), save=False)
        photo.thumbnail.save(photo.storage_key("thumb"), ContentFile(derivatives.thumbnail), save=False)
        photo.status, photo.width, photo.height = AuditPhoto.Status.READY, derivatives.width, derivatives.height
        photo.save()
    report("audit_photo_derivative_p50", statistics.median(made), "ms")
    services.submit_audit_report(audit=audit, by=auditor)
    audit.refresh_from_db()
    return audit


def main():
    audit = prepare()
    render_report(audit)  # warm-up: fonts, template, caches
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        pdf = render_report(audit)
        samples.append((time.perf_counter() - start) * 1000)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if os.environ.get("BENCH_SAVE_PDF"):
        with open(os.environ["BENCH_SAVE_PDF"], "wb") as f:
            f.write(pdf)
    report("audit_report_pdf_p50", statistics.median(samples), "ms")
    report("audit_report_pdf_p95", percentile(samples, 95), "ms")
    report("audit_report_pdf_pages", pages, "pages")
    report("audit_report_pdf_photos", PHOTOS, "photos")
    report("audit_report_pdf_size", len(pdf) / 1024, "KiB")


main()
