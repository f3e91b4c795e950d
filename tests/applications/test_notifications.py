import pytest
from django.core import mail
from django.utils import timezone

from applications.models import Application, Notification
from applications.tasks import send_notification_email
from tests.factories import UserFactory, in_state

pytestmark = pytest.mark.django_db


def test_the_email_task_sends_once_even_when_delivered_twice(applicant):
    application = in_state(Application.Status.RETURNED, organization=applicant.membership.organization)
    notification = Notification.objects.create(
        user=applicant, application=application, kind="status_changed", status="returned", reason="请重新上传"
    )
    assert send_notification_email(notification.pk) is True
    assert send_notification_email(notification.pk) is False
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_email_is_in_the_recipients_language(db):
    application = in_state(Application.Status.RETURNED)
    zh_user = UserFactory(language="zh-hans")
    en_user = UserFactory(language="en")
    for user in (zh_user, en_user):
        n = Notification.objects.create(user=user, application=application, kind="status_changed", status="returned")
        send_notification_email(n.pk)
    zh, en = mail.outbox
    assert "Returned for corrections" in en.subject
    assert "Returned for corrections" not in zh.subject
    assert application.reference in zh.subject and application.reference in en.subject


def test_staff_decisions_tell_the_applicant_once_in_their_language(applicant, reviewer):
    from django.core.files.base import ContentFile

    from applications.models import MaterialItem

    applicant.language = "en"
    applicant.save()
    application = in_state(Application.Status.SUBMITTED, organization=applicant.membership.organization)
    item = application.material_items.get(material_type__code="business_licence")
    item.status = MaterialItem.Status.UPLOADED
    item.save()
    item.reject(by=reviewer, reason="模糊")
    rejected = Notification.objects.get(kind="material_rejected")
    assert rejected.detail == "Business licence (with unified social credit code)" and rejected.reason == "模糊"

    for i in application.material_items.all():
        i.status = MaterialItem.Status.ACCEPTED
        i.save()
    application.accept(by=reviewer)
    payment = application.payments.get()
    payment.upload_receipt(ContentFile(b"%PDF-1.4"), by=applicant, original_name="r.pdf", extension=".pdf")
    payment.confirm(by=reviewer)
    assert Notification.objects.filter(kind="payment_confirmed", user=applicant).count() == 1
    assert not Notification.objects.filter(kind="status_changed", status="paid").exists()  # no duplicate e-mail


def test_the_migration_starts_each_counter_from_the_unread_notifications(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("applications.migrations.0006_count_unread_notifications")
    reader, idle = UserFactory(), UserFactory()
    application = in_state(Application.Status.RETURNED)
    for read_at in (None, None, timezone.now()):  # created directly: the counter is not kept here
        Notification.objects.create(user=reader, application=application, kind="status_changed", read_at=read_at)
    migration.count_unread(apps, None)
    reader.refresh_from_db()
    idle.refresh_from_db()
    assert (reader.unread_notifications, idle.unread_notifications) == (2, 0)
