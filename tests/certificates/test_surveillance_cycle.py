import datetime
from decimal import Decimal

import pytest
import time_machine

from applications.models import Application, MaterialItem, Notification
from audits.models import Audit
from certificates import services, surveillance
from certificates.models import Certificate, RecertificationReminder, SurveillanceReminder, SurveillanceReview
from certportal.workflow import TransitionError
from tests.factories import AuditFactory, UserFactory, store_file

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: str, hour: int = 3):
    """A moment in Asia/Shanghai (the sweep runs at 02:30 local time)."""
    return time_machine.travel(datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False)


def sweep(day: str) -> dict:
    with at(day):
        return surveillance.run()


def _submitted_surveillance_audit(review, grade="four_star", score="91", by=None, **dates):
    audit = AuditFactory(
        application=review.certificate.application,
        kind=Audit.Kind.SURVEILLANCE,
        status=Audit.Status.SUBMITTED,
        grade=grade,
        score=Decimal(score),
        **dates,
    )
    review.schedule(audit=audit, by=by or UserFactory(role="reviewer"))
    return audit


def test_issue_reminders_surveillance_passed_then_missed_suspended_withdrawn(
    certificate, reviewer, applicant, decision_maker
):
    first, second = certificate.surveillance_reviews.all()
    assert (first.due_date, second.due_date) == (datetime.date(2027, 5, 6), datetime.date(2028, 5, 6))

    assert sweep("2027-03-06")["surveillance_reminders"] == 0  # 61 days before
    assert sweep("2027-03-07")["surveillance_reminders"] == 1  # 60 days before
    told = set(Notification.objects.filter(kind="surveillance_due").values_list("user", flat=True))
    assert told == {applicant.pk, reviewer.pk}  # the enterprise and the staff
    assert sweep("2027-03-07")["surveillance_reminders"] == 0  # the same day again: nothing twice
    assert sweep("2027-04-06")["surveillance_reminders"] == 1  # 30 days
    assert sweep("2027-04-29")["surveillance_reminders"] == 1  # 7 days
    assert list(first.reminders.values_list("days_before", flat=True).order_by("-days_before")) == [60, 30, 7]
    first.refresh_from_db()
    assert first.status == SurveillanceReview.Status.NOTIFIED

    on_due_date = datetime.date(2027, 5, 6)
    _submitted_surveillance_audit(first, by=reviewer, planned_start=on_due_date, planned_end=on_due_date)
    services.complete_surveillance(review=first, by=decision_maker, outcome="maintained")
    first.refresh_from_db()
    assert first.status == SurveillanceReview.Status.COMPLETED
    second.refresh_from_db()
    assert second.due_date == datetime.date(2028, 5, 6)  # 12 months after that audit

    assert sweep("2028-05-06")["overdue"] == 0  # due today is not overdue yet
    assert sweep("2028-05-07")["overdue"] == 1
    assert sweep("2028-06-05")["suspended"] == 0  # 30-day grace
    assert sweep("2028-06-06")["suspended"] == 1
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    change = certificate.status_changes.last()
    assert change.by is None and "Surveillance review overdue" in change.reason

    assert sweep("2028-12-05")["withdrawn"] == 0
    assert sweep("2028-12-07")["withdrawn"] == 1  # suspended more than 6 months
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.WITHDRAWN
    assert sweep("2028-12-07") == dict.fromkeys(sweep("2028-12-07"), 0)


def test_a_surveillance_completed_after_withdrawal_is_refused(certificate, decision_maker):
    review = certificate.surveillance_reviews.first()
    _submitted_surveillance_audit(review)
    certificate.withdraw(by=decision_maker, reason="撤销")
    with pytest.raises(TransitionError):
        services.complete_surveillance(review=review, by=decision_maker, outcome="maintained")
    review.refresh_from_db()
    assert review.status == SurveillanceReview.Status.SCHEDULED


def test_a_passed_surveillance_restores_a_suspended_certificate_and_can_change_the_grade(certificate, decision_maker):
    review = certificate.surveillance_reviews.first()
    certificate.suspend(by=None, reason="逾期")
    _submitted_surveillance_audit(review, grade="five_star", score="96")
    with pytest.raises(TransitionError):  # another grade was computed: "maintained" is not true
        services.complete_surveillance(review=review, by=decision_maker, outcome="maintained")
    services.complete_surveillance(review=review, by=decision_maker, outcome="grade_changed", reason="服务提升")
    certificate.refresh_from_db()
    assert (certificate.status, certificate.grade) == (Certificate.Status.ACTIVE, "five_star")
    assert certificate.history.filter(grade="five_star").first().history_user == decision_maker


def test_a_failed_surveillance_cannot_maintain(certificate, decision_maker):
    review = certificate.surveillance_reviews.first()
    _submitted_surveillance_audit(review, grade="", score="65")
    with pytest.raises(TransitionError):
        services.complete_surveillance(review=review, by=decision_maker, outcome="maintained")
    services.complete_surveillance(review=review, by=decision_maker, outcome="suspended", reason="得分低于 70")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED


def test_expiry_and_recertification_reminders(certificate):
    assert certificate.expires_on == datetime.date(2029, 5, 6)
    SurveillanceReview.objects.filter(certificate=certificate).update(status="completed")
    assert sweep("2028-11-06")["recertification_reminders"] == 0  # 181 days before
    assert sweep("2028-11-07")["recertification_reminders"] == 1  # 180 days
    assert sweep("2028-11-07")["recertification_reminders"] == 0
    assert sweep("2029-01-06")["recertification_reminders"] == 1  # 120 days
    assert sweep("2029-02-05")["recertification_reminders"] == 1  # 90 days
    assert sweep("2029-04-06")["recertification_reminders"] == 0  # no step at 30 days any more
    assert RecertificationReminder.objects.count() == 3
    assert sweep("2029-05-06")["expired"] == 0  # the last valid day
    assert sweep("2029-05-07")["expired"] == 1
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.EXPIRED


def test_day_boundaries_are_shanghai_days(certificate):
    SurveillanceReview.objects.filter(certificate=certificate).update(status="completed")
    # 2029-05-06 23:30 UTC is already 07:30 on 2029-05-07 in Shanghai: the certificate has expired there.
    with time_machine.travel(datetime.datetime(2029, 5, 6, 23, 30, tzinfo=datetime.UTC), tick=False):
        assert surveillance.run()["expired"] == 1


def test_a_late_first_sweep_sends_only_the_nearest_reminder(certificate):
    assert sweep("2027-05-01")["surveillance_reminders"] == 1
    assert list(SurveillanceReminder.objects.values_list("days_before", flat=True)) == [7]


def test_issue_then_recertification_then_superseded(certificate, applicant, decision_maker, client):
    application = certificate.application
    item = application.material_items.get(material_type__code="business_licence")

    store_file(item, by=applicant, content=b"%PDF-1.4 licence", name="执照.pdf", status=MaterialItem.Status.ACCEPTED)

    with at("2029-01-10"):  # the re-certification window is open (and not yet late)
        renewal = services.start_recertification(certificate=certificate, by=applicant)
    assert (renewal.kind, renewal.renews, renewal.status) == ("recertification", application, "draft")
    carried = renewal.material_items.get(material_type__code="business_licence")
    assert carried.to_reconfirm and carried.status == MaterialItem.Status.UPLOADED
    assert carried.latest_file.sha256 == item.latest_file.sha256
    with pytest.raises(TransitionError), at("2029-01-10"):
        services.start_recertification(certificate=certificate, by=applicant)  # applied twice

    renewal.status, renewal.grade, renewal.score = Application.Status.AWAITING_DECISION, "five_star", Decimal("96")
    renewal.save()
    AuditFactory(application=renewal, kind=Audit.Kind.RECERTIFICATION, status=Audit.Status.SUBMITTED, grade="five_star")
    new = services.grant_certification(application=renewal, by=decision_maker)
    certificate.refresh_from_db()
    assert new.supersedes == certificate and certificate.superseded_by == new
    page = client.get(f"/verify/{certificate.verification_token}/").content.decode()
    assert new.number in page


def test_the_sweep_task_is_scheduled_once_in_the_database():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="certificates.tasks.daily_sweep")
    assert task.enabled and task.crontab.hour == "2" and str(task.crontab.timezone) == "Asia/Shanghai"


def test_a_certificate_issued_on_29_february_gets_its_reviews(make_certificate):
    certificate = make_certificate(when=datetime.datetime(2028, 2, 29, 10, tzinfo=datetime.UTC))
    assert [r.due_date for r in certificate.surveillance_reviews.all()] == [
        datetime.date(2029, 2, 28),
        datetime.date(2030, 2, 28),
    ]
    assert sweep("2029-03-01")["overdue"] == 1


def test_the_reminder_email_goes_out_after_the_sweep_commits(
    certificate, applicant, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        sweep("2027-03-07")
    assert applicant.email in {m.to[0] for m in mail.outbox}
    assert any(certificate.number in m.subject for m in mail.outbox)
