import pytest

from applications.models import Application, MaterialItem, Notification
from tests.factories import ApplicationFactory, MembershipFactory

from .conftest import wait_for

pytestmark = pytest.mark.integration


def test_submit_notification_is_sent_by_a_live_worker_on_redis(live_worker):
    applicant = MembershipFactory().user
    application = ApplicationFactory(
        organization=applicant.membership.organization, materials=MaterialItem.Status.UPLOADED
    )

    application.submit(by=applicant)  # commits, then enqueues on Redis

    notification = Notification.objects.get(application=application, user=applicant)
    sent = wait_for(lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists())
    assert sent, live_worker.log.read_text()[-3000:]
    messages = wait_for(lambda: list(live_worker.mail_dir.glob("*.log")), timeout=10)
    assert messages
    text = messages[0].read_text()
    assert applicant.email in text
    assert application.reference in text
    assert Application.objects.get(pk=application.pk).status == Application.Status.SUBMITTED
