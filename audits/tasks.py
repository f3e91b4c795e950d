import io
import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from certportal.pdf import RENDER_TASK_OPTIONS, render_once
from certportal.queue import TRANSIENT_ERRORS
from certportal.storage_errors import transient_storage_errors

from .models import Audit

logger = logging.getLogger(__name__)


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
    with transient_storage_errors(), photo.file.open("rb") as source:
        data = source.read()  # a storage outage here is retried; at most MAX_UPLOAD_SIZE bytes
    try:
        made = make_derivatives(io.BytesIO(data))
    except Exception:  # Pillow raises many kinds of error (its OSError subclasses too) on undecodable input
        logger.exception("audit photo %s: derivatives could not be made", photo_id)
        photo.status = AuditPhoto.Status.FAILED
        photo.save(update_fields=["status"])
        return "failed"
    with transient_storage_errors():
        picture = _store_once(photo.storage_key("picture"), made.picture)
        thumbnail = _store_once(photo.storage_key("thumb"), made.thumbnail)
    with transaction.atomic():
        done = photo.record_derivatives(derivative=picture, thumbnail=thumbnail, width=made.width, height=made.height)
    return "made" if done else "exists"


@shared_task(**RENDER_TASK_OPTIONS)
def render_audit_report(audit_id: int) -> str:
    """Render and store the submitted audit's report PDF once; safe to run twice or after a crash."""
    from .report import render_report

    return render_once(
        Audit,
        audit_id,
        file_field="report_pdf",
        attempts_field="report_attempts",
        storage_key="report_storage_key",
        render=render_report,
        record=Audit.record_report_pdf,
        ready=lambda audit: audit.is_reported,
    )
