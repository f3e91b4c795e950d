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
