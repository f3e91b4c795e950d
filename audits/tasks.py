import hashlib
import io
import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from certportal.queue import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)
MAX_REPORT_ATTEMPTS = 3


def _store_once(key: str, data: bytes) -> str:
    """Save under a deterministic key unless an interrupted earlier run already did."""
    if default_storage.exists(key):
        return key
    return default_storage.save(key, ContentFile(data))


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def make_photo_derivatives(photo_id: int) -> str:
    """Make a photo's shown picture and thumbnail once; safe to run twice or after a crash."""
    from .imaging import make_derivatives
    from .models import AuditPhoto

    photo = AuditPhoto.objects.get(pk=photo_id)
    if photo.status == AuditPhoto.Status.READY:
        return "exists"
    with photo.original.open("rb") as source:
        data = source.read()  # storage trouble (OSError) here is retried; at most MAX_UPLOAD_SIZE bytes
    try:
        made = make_derivatives(io.BytesIO(data))
    except Exception:  # Pillow raises many kinds of error (its OSError subclasses too) on undecodable input
        logger.exception("audit photo %s: derivatives could not be made", photo_id)
        photo.status = AuditPhoto.Status.FAILED
        photo.save(update_fields=["status"])
        return "failed"
    picture = _store_once(photo.storage_key("picture"), made.picture)
    thumbnail = _store_once(photo.storage_key("thumb"), made.thumbnail)
    with transaction.atomic():
        done = photo.record_derivatives(derivative=picture, thumbnail=thumbnail, width=made.width, height=made.height)
    return "made" if done else "exists"


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def render_audit_report(audit_id: int) -> str:
    """Render and store the submitted audit's report PDF once; safe to run twice or after a crash."""
    from .models import Audit

    with transaction.atomic():
        audit = Audit.objects.select_for_update().get(pk=audit_id)
        if audit.report_pdf or not audit.is_reported:
            return "exists" if audit.report_pdf else "not-submitted"
        # Count starts, so a render that kills its worker (e.g. out of memory) is not requeued forever.
        audit.report_attempts += 1
        audit.save(update_fields=["report_attempts"])
    if audit.report_attempts > MAX_REPORT_ATTEMPTS:
        logger.error("audit %s: report PDF not rendered after %d attempts", audit_id, MAX_REPORT_ATTEMPTS)
        return "gave-up"
    key = audit.report_storage_key
    if default_storage.exists(key):
        with default_storage.open(key, "rb") as f:
            data = f.read()
    else:
        from .report import render_report

        data = render_report(audit)
        key = default_storage.save(key, ContentFile(data))
    with transaction.atomic():
        recorded = audit.record_report_pdf(key, hashlib.sha256(data).hexdigest())
    return "rendered" if recorded else "exists"


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def redeliver_pending() -> dict:
    """The outbox sweep for audits: photos still waiting for derivatives, submitted reports without their PDF.
    Both tasks are idempotent, so an item that was merely slow is done once all the same."""
    from django.utils import timezone

    from .models import Audit, AuditPhoto

    stale = timezone.now() - timezone.timedelta(minutes=2)
    counts = {"photos": 0, "reports": 0}
    photos = AuditPhoto.objects.filter(status=AuditPhoto.Status.PROCESSING, uploaded_at__lt=stale)
    for pk in photos.values_list("pk", flat=True)[:1000]:
        counts["photos"] += make_photo_derivatives.delay(pk) is not None
    reports = Audit.objects.filter(
        status__in=Audit.REPORTED_STATES,
        report_pdf="",
        report_attempts__lt=MAX_REPORT_ATTEMPTS,
        submitted_at__lt=stale,
    )
    for pk in reports.values_list("pk", flat=True)[:200]:
        counts["reports"] += render_audit_report.delay(pk) is not None
    return counts
