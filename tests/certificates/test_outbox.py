"""The broker may be down when a transaction commits: the user's action still succeeds, the work follows later."""

from unittest import mock

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from applications.models import Application, MaterialItem, Notification
from applications.tasks import send_notification_email
from certificates.tasks import redeliver_pending
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_a_submission_succeeds_while_the_broker_is_down_and_the_sweep_sends_later(
    applicant, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(
        organization=applicant.membership.organization, materials=MaterialItem.Status.UPLOADED
    )
    with (
        mock.patch.object(send_notification_email, "delay", side_effect=OperationalError("Connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        application.submit(by=applicant)  # no exception reaches the user
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    notification = Notification.objects.get(application=application)
    assert notification.emailed_at is None and mail.outbox == []

    Notification.objects.filter(pk=notification.pk).update(created_at=notification.created_at.replace(year=2000))
    counts = redeliver_pending()  # the broker is back: the 5-minute beat job re-enqueues (eager in tests)
    assert counts["notifications"] == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert [m.to[0] for m in mail.outbox] == [applicant.email]
    assert redeliver_pending()["notifications"] == 0  # nothing twice


def test_one_sweep_enqueues_the_lost_work_of_audits_and_certificates(decision_maker, monkeypatch, time_machine):
    import datetime

    from django.utils import timezone

    from audits.models import Audit
    from audits.tasks import render_audit_report
    from certificates import services
    from certificates.tasks import render_certificate_pdf
    from tests.factories import ready_for_decision

    application = ready_for_decision()
    Audit.objects.filter(application=application).update(submitted_at=timezone.now())  # its report not rendered
    certificate = services.grant_certification(application=application, by=decision_maker)  # its PDF message lost
    sent = []
    for task in (render_audit_report, render_certificate_pdf):
        monkeypatch.setattr(task, "delay", lambda pk, name=task.name: sent.append((name, pk)))
    assert redeliver_pending()["certificates"] == 0  # not yet stale: its own message may still be on its way

    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=5))
    counts = redeliver_pending()
    assert (counts["reports"], counts["certificates"]) == (1, 1)
    assert sorted(sent) == [
        ("audits.tasks.render_audit_report", application.audits.get().pk),
        ("certificates.tasks.render_certificate_pdf", certificate.pk),
    ]
