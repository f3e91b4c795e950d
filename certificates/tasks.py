import hashlib
import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from certportal.queue import TRANSIENT_ERRORS
from certportal.storage_errors import StorageUnavailable, transient_storage_errors

from .models import Certificate

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=60,
    autoretry_for=TRANSIENT_ERRORS,  # StorageUnavailable (an S3 outage) is one, a database restart another
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=4,  # at most 5 attempts per message; the redelivery sweep takes over after a longer outage
)
def render_certificate_pdf(certificate_id: int) -> str:
    """Render and store a certificate's PDF once; safe to run twice or after a crash."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.pdf:
            return "exists"
        # Count starts, so a render that kills its worker (e.g. out of memory) is not requeued forever.
        certificate.pdf_attempts += 1
        certificate.save(update_fields=["pdf_attempts"])
    if certificate.pdf_attempts > MAX_ATTEMPTS:
        logger.error("certificate %s: PDF not rendered after %d attempts", certificate.number, MAX_ATTEMPTS)
        return "gave-up"
    try:
        with transient_storage_errors():
            key, data = _render_or_reuse(certificate)
    except StorageUnavailable:
        # A clean failure, not a crash: give the attempt back, so that an outage longer than the retries is left
        # to the redelivery sweep instead of using up the crash counter.
        _give_back_attempt(certificate_id)
        raise
    recorded = certificate.record_pdf(key, hashlib.sha256(data).hexdigest())
    return "rendered" if recorded else "exists"


def _render_or_reuse(certificate: Certificate) -> tuple[str, bytes]:
    key = certificate.pdf_storage_key
    if default_storage.exists(key):  # an earlier attempt stored it but died before recording it
        logger.info("certificate %s: PDF found in storage, not rendered again", certificate.number)
        with default_storage.open(key, "rb") as f:
            return key, f.read()
    from .pdf import render_certificate

    data = render_certificate(certificate)
    logger.info("certificate %s: PDF rendered", certificate.number)
    return default_storage.save(key, ContentFile(data)), data


@transaction.atomic
def _give_back_attempt(certificate_id: int) -> None:
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    certificate.pdf_attempts = max(0, certificate.pdf_attempts - 1)
    certificate.save(update_fields=["pdf_attempts"])


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=300, time_limit=360)
def build_decision_dossier(dossier_id: int) -> str:
    """Build one dossier ZIP; a second delivery of the task finds it done or in progress."""
    from .dossier import build
    from .models import DecisionDossier

    with transaction.atomic():
        dossier = DecisionDossier.objects.select_for_update().get(pk=dossier_id)
        if dossier.status != DecisionDossier.Status.QUEUED:
            return dossier.status
        dossier.status = DecisionDossier.Status.BUILDING
        dossier.save(update_fields=["status"])
    try:
        build(dossier)
    except Exception as error:
        dossier.status, dossier.error = DecisionDossier.Status.FAILED, str(error)[:2000]
        dossier.save(update_fields=["status", "error"])
        raise
    return dossier.status


# Well under the broker's visibility timeout (600 s), so a running sweep is never delivered a second time;
# the sweep over 100,000 certificates takes about 2 s (bench/bench_surveillance_sweep.py).
@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def daily_sweep() -> dict:
    """The daily certification calendar: reminders, overdue reviews, suspension, withdrawal, expiry."""
    from . import surveillance

    counts = surveillance.run()
    logger.info("daily sweep: %s", counts)
    return counts


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def redeliver_pending() -> dict:
    """The outbox sweep: re-enqueue work whose message may have been lost (e.g. the broker was down at commit).

    Every task it enqueues is idempotent, so an item that was merely slow is done once all the same."""
    from django.utils import timezone

    from applications.models import Invitation, Notification
    from applications.tasks import send_invitation_email, send_notification_email

    from .models import DecisionDossier

    stale = timezone.now() - timezone.timedelta(minutes=2)
    counts = {"notifications": 0, "invitations": 0, "certificates": 0, "dossiers": 0}
    for pk in Notification.objects.filter(emailed_at__isnull=True, created_at__lt=stale).values_list("pk", flat=True)[
        :5000
    ]:
        counts["notifications"] += send_notification_email.delay(pk) is not None
    unsent = Invitation.objects.pending().filter(emailed_at__isnull=True, created_at__lt=stale)
    for pk in unsent.values_list("pk", flat=True)[:1000]:
        counts["invitations"] += send_invitation_email.delay(pk) is not None
    pending_pdf = Certificate.objects.filter(pdf="", pdf_attempts__lt=MAX_ATTEMPTS, status_changed_at__lt=stale)
    for pk in pending_pdf.values_list("pk", flat=True)[:1000]:
        counts["certificates"] += render_certificate_pdf.delay(pk) is not None
    queued = DecisionDossier.objects.filter(status=DecisionDossier.Status.QUEUED, created_at__lt=stale)
    for pk in queued.values_list("pk", flat=True)[:100]:
        counts["dossiers"] += build_decision_dossier.delay(pk) is not None
    return counts
