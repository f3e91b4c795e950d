import datetime
import logging

from celery import shared_task
from django.db import transaction

from certportal.pdf import MAX_RENDER_ATTEMPTS, RENDER_TASK_OPTIONS, render_once, storage_outage_gives_back
from certportal.storage_errors import StorageUnavailable

from .models import Certificate, DecisionDossier

logger = logging.getLogger(__name__)


@shared_task(**RENDER_TASK_OPTIONS)
def render_certificate_pdf(certificate_id: int) -> str:
    """Render, sign (with the body's visible seal) and store a certificate's PDF once; safe to run twice or after a
    crash."""
    from .pdf import render_certificate

    return render_once(
        Certificate,
        certificate_id,
        file_field="pdf",
        attempts_field="pdf_attempts",
        storage_key="pdf_storage_key",
        render=render_certificate,
        record=Certificate.record_pdf,
        seal=True,
    )


@shared_task(**{**RENDER_TASK_OPTIONS, "soft_time_limit": 300, "time_limit": 360})
def build_decision_dossier(dossier_id: int) -> str:
    """Build one dossier ZIP; a second delivery of the task finds it done or in progress. A storage outage puts it
    back in the queue (retried, then left to the redelivery sweep); any other error marks it failed."""
    from .dossier import build

    with transaction.atomic():
        dossier = DecisionDossier.objects.select_for_update().get(pk=dossier_id)
        if dossier.status != DecisionDossier.Status.QUEUED:
            return dossier.status
        dossier.status = DecisionDossier.Status.BUILDING
        dossier.save(update_fields=["status"])
    try:
        with storage_outage_gives_back(lambda: _queue_again(dossier)):
            build(dossier)
    except StorageUnavailable:
        raise
    except Exception as error:
        dossier.status, dossier.error = DecisionDossier.Status.FAILED, str(error)[:2000]
        dossier.save(update_fields=["status", "error"])
        raise
    return dossier.status


def _queue_again(dossier: DecisionDossier) -> None:
    dossier.status, dossier.progress = DecisionDossier.Status.QUEUED, 0
    dossier.save(update_fields=["status", "progress"])


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
    """The outbox sweep of every app: re-enqueue work whose message may have been lost (e.g. the broker was down
    at commit). Every task it enqueues is idempotent, so an item that was merely slow is done once all the same."""
    from django.utils import timezone

    from applications.models import Invitation, Notification
    from applications.tasks import send_invitation_email, send_notification_email
    from audits.models import Audit, AuditPhoto
    from audits.tasks import make_photo_derivatives, render_audit_report

    stale = timezone.now() - datetime.timedelta(minutes=2)
    unsent_invitations = Invitation.objects.pending().filter(emailed_at__isnull=True, created_at__lt=stale)
    unrendered_reports = Audit.objects.filter(
        status__in=Audit.REPORTED_STATES,
        report_pdf="",
        report_attempts__lt=MAX_RENDER_ATTEMPTS,
        submitted_at__lt=stale,
    )
    unrendered_certificates = Certificate.objects.filter(
        pdf="", pdf_attempts__lt=MAX_RENDER_ATTEMPTS, status_changed_at__lt=stale
    )
    work = {  # what: (task, rows, at most this many per sweep)
        "notifications": (
            send_notification_email,
            Notification.objects.filter(emailed_at__isnull=True, created_at__lt=stale),
            5000,
        ),
        "invitations": (send_invitation_email, unsent_invitations, 1000),
        "photos": (
            make_photo_derivatives,
            AuditPhoto.objects.filter(status=AuditPhoto.Status.PROCESSING, uploaded_at__lt=stale),
            1000,
        ),
        "reports": (render_audit_report, unrendered_reports, 200),
        "certificates": (render_certificate_pdf, unrendered_certificates, 1000),
        "dossiers": (
            build_decision_dossier,
            DecisionDossier.objects.filter(status=DecisionDossier.Status.QUEUED, created_at__lt=stale),
            100,
        ),
    }
    counts = {}
    for what, (task, rows, limit) in work.items():
        counts[what] = 0
        for pk in rows.values_list("pk", flat=True)[:limit]:
            task.delay(pk)
            counts[what] += 1
    return counts
