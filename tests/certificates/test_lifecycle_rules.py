"""The lifecycle rules of domain.md §2.5 and §4.1."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from applications.models import Application, FeeReminder, Notification
from audits.models import Audit
from certificates import cycle, services, surveillance
from certificates.models import Certificate, SurveillanceReminder, SurveillanceReview
from certificates.policy import grade_policy_problems
from certportal.workflow import InvalidTransition, TransitionError
from tests.factories import AuditFactory, ready_for_decision

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: str):
    return time_machine.travel(datetime.datetime.fromisoformat(day).replace(hour=10, tzinfo=SHANGHAI), tick=False)


def _awaiting(organization=None, grade="four_star", **kwargs):
    extra = {"organization": organization} if organization else {}
    return ready_for_decision(grade=grade, score=Decimal("91.50"), **extra, **kwargs)


def _audit(application, *, end: datetime.date, kind=Audit.Kind.INITIAL, **kwargs):
    return AuditFactory(
        application=application,
        kind=kind,
        status=Audit.Status.SUBMITTED,
        grade="four_star",
        score=Decimal("91.50"),
        planned_start=end - datetime.timedelta(days=1),
        planned_end=end,
        **kwargs,
    )


def _message_texts(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# --- 1. stars only after one year at 达标级 ------------------------------------------------------------------------


@pytest.fixture
def stars_policy(settings):
    settings.STARS_AFTER_COMPLIANT_YEAR = True


def test_without_the_policy_a_first_certification_gets_the_star_grade(decision_maker):
    certificate = services.grant_certification(application=_awaiting(), by=decision_maker)
    assert certificate.grade == "four_star"
    assert not certificate.decision.outstanding_exception


def test_with_the_policy_a_first_certification_is_refused_a_star_grade_without_the_exception(
    stars_policy, decision_maker
):
    application = _awaiting()
    with translation.override("en"), pytest.raises(TransitionError) as refused:
        services.grant_certification(application=application, by=decision_maker)
    assert "at most at Compliant" in refused.value.message
    application.refresh_from_db()
    assert application.status == Application.Status.AWAITING_DECISION
    assert not Certificate.objects.exists()

    certificate = services.grant_certification(
        application=application, by=decision_maker, grade="compliant", reason="首次认证，按达标级颁发"
    )
    assert certificate.grade == "compliant"


def test_the_exception_needs_its_grounds_and_is_recorded_on_the_decision(stars_policy, decision_maker):
    application = _awaiting()
    with pytest.raises(TransitionError):
        services.grant_certification(
            application=application, by=decision_maker, outstanding_exception=True, exception_reason="  "
        )
    certificate = services.grant_certification(
        application=application,
        by=decision_maker,
        outstanding_exception=True,
        exception_reason="连续三年零投诉，服务网点覆盖全国",
    )
    assert certificate.grade == "four_star"
    decision = certificate.decision
    assert (decision.outstanding_exception, decision.exception_reason) == (True, "连续三年零投诉，服务网点覆盖全国")


def test_an_organization_that_held_a_certificate_gets_its_star_grade(stars_policy, decision_maker, organization):
    services.grant_certification(application=_awaiting(organization), by=decision_maker, grade="compliant", reason="x")
    later = services.grant_certification(application=_awaiting(organization), by=decision_maker)
    assert later.grade == "four_star"


def test_the_exception_is_refused_where_the_policy_does_not_limit_the_grade(settings):
    application = _awaiting()
    kwargs = {"exception": True, "exception_reason": "很出色"}
    assert grade_policy_problems(application, "four_star", **kwargs)  # policy off
    settings.STARS_AFTER_COMPLIANT_YEAR = True
    assert grade_policy_problems(application, "compliant", **kwargs)  # no star asked for
    assert grade_policy_problems(application, "four_star", **kwargs) == []
    assert grade_policy_problems(application, "compliant", exception=False, exception_reason="") == []


def _decide_url(application):
    return reverse("admin:certificates_casefile_decide", args=[application.pk])


def test_the_case_file_offers_the_exception_only_where_the_policy_applies(client, decision_maker, settings):
    application = _awaiting()
    client.force_login(decision_maker)
    page = reverse("admin:certificates_casefile_change", args=[application.pk])
    assert 'name="outstanding_exception"' not in client.get(page).content.decode()
    settings.STARS_AFTER_COMPLIANT_YEAR = True
    assert 'name="outstanding_exception"' in client.get(page).content.decode()


def test_the_case_file_grants_a_star_grade_with_the_exception(client, decision_maker, stars_policy):
    application = _awaiting()
    client.force_login(decision_maker)
    data = {"outcome": "grant", "grade": "four_star", "reason": ""}
    with translation.override("en"):
        response = client.post(_decide_url(application), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and "at most at Compliant" in _message_texts(response)
    assert not Certificate.objects.exists()
    client.post(_decide_url(application), {**data, "outstanding_exception": "on", "exception_reason": "行业标杆"})
    decision = Certificate.objects.get().decision
    assert (decision.grade, decision.outstanding_exception, decision.exception_reason) == (
        "four_star",
        True,
        "行业标杆",
    )
    page = client.get(reverse("admin:certificates_casefile_change", args=[application.pk])).content.decode()
    assert "行业标杆" in page


def test_a_reviewer_cannot_grant_with_the_exception(client, reviewer, stars_policy):
    application = _awaiting()
    client.force_login(reviewer)
    data = {"outcome": "grant", "grade": "four_star", "outstanding_exception": "on", "exception_reason": "x"}
    assert client.post(_decide_url(application), data).status_code == 403
    assert not Certificate.objects.exists()


# --- 2. surveillance due dates -------------------------------------------------------------------------------------


def test_the_reviews_count_from_the_certification_audit_not_the_issue_date(decision_maker):
    application = _awaiting()
    application.audits.update(planned_start=datetime.date(2026, 2, 1), planned_end=datetime.date(2026, 2, 2))
    _audit(application, end=datetime.date(2026, 3, 20))  # the latest certification audit counts
    _audit(application, end=datetime.date(2026, 4, 30), kind=Audit.Kind.SURVEILLANCE)  # not the one it rests on
    with at("2026-05-06"):
        certificate = services.grant_certification(application=application, by=decision_maker)
    assert certificate.expires_on == datetime.date(2029, 5, 6)
    assert [r.due_date for r in certificate.surveillance_reviews.all()] == [
        datetime.date(2027, 3, 20),
        datetime.date(2028, 3, 20),
    ]


def test_each_completed_surveillance_moves_the_next_due_date_and_its_reminders(certificate, reviewer, decision_maker):
    first, second = certificate.surveillance_reviews.all()
    SurveillanceReminder.objects.create(review=second, days_before=60)
    audit = _audit(certificate.application, end=datetime.date(2027, 1, 15), kind=Audit.Kind.SURVEILLANCE)
    first.schedule(audit=audit, by=reviewer)
    services.complete_surveillance(review=first, by=decision_maker, outcome="maintained")
    second.refresh_from_db()
    assert second.due_date == datetime.date(2028, 1, 15)  # 12 months after that audit, not 2028-05-06
    assert not second.reminders.exists()  # the holder is reminded of the new date
    assert second.history.first().history_user == decision_maker


def test_no_surveillance_falls_due_after_expiry(certificate, reviewer, decision_maker):
    first, second = certificate.surveillance_reviews.all()
    audit = _audit(certificate.application, end=datetime.date(2028, 8, 1), kind=Audit.Kind.SURVEILLANCE)  # late
    first.schedule(audit=audit, by=reviewer)
    services.complete_surveillance(review=first, by=decision_maker, outcome="maintained")
    second.refresh_from_db()
    assert second.due_date == certificate.expires_on == datetime.date(2029, 5, 6)


def test_due_dates_and_the_number_of_surveillances(settings):
    assert cycle.surveillance_count() == 2  # 36 months: at 12 and 24, re-certification at 36
    assert cycle.due_dates(datetime.date(2028, 2, 29), datetime.date(2030, 1, 1), 2) == [
        datetime.date(2029, 2, 28),
        datetime.date(2030, 1, 1),
    ]
    settings.SURVEILLANCE_INTERVAL_MONTHS = 9
    assert cycle.surveillance_count() == 3


# --- 3. the re-certification window --------------------------------------------------------------------------------


def test_re_certification_is_refused_before_the_window_opens(certificate, applicant):
    with at("2028-11-05"), translation.override("en"), pytest.raises(TransitionError) as refused:
        services.start_recertification(certificate=certificate, by=applicant)
    assert "6 Nov 2028" in refused.value.message  # six months before 2029-05-06
    assert not certificate.application.renewals.exists()
    with at("2028-11-06"):
        renewal = services.start_recertification(certificate=certificate, by=applicant)
    assert renewal.kind == Application.Kind.RECERTIFICATION


def test_a_late_application_becomes_an_initial_certification(certificate, applicant):
    with at("2029-02-06"):  # the last day: three months before expiry
        assert not cycle.starts_as_initial(certificate.expires_on, datetime.date(2029, 2, 6))
    with at("2029-02-07"):
        renewal = services.start_recertification(certificate=certificate, by=applicant)
    assert (renewal.kind, renewal.renews) == (Application.Kind.INITIAL, certificate.application)


def test_the_certificate_page_shows_the_button_only_when_the_window_is_open(client, applicant, certificate):
    url = reverse("certificates:detail", args=[certificate.pk])
    recertify = reverse("certificates:recertify", args=[certificate.pk])
    with at("2028-06-01"):
        client.force_login(applicant)  # sessions are dated: sign in at the travelled time
        page = client.get(url).content.decode()
        assert recertify not in page and "2028年11月6日" in page  # says from when
        response = client.post(recertify)
        assert response.status_code == 302 and "2028年11月6日" in _message_texts(response)
        assert not certificate.application.renewals.exists()
    with at("2028-12-01"):
        client.force_login(applicant)
        page = client.get(url).content.decode()
        assert recertify in page and "2029年2月6日" in page  # apply by


def test_a_late_applicant_is_told_before_and_when_it_becomes_an_initial_certification(
    client, applicant, certificate, settings
):
    settings.LANGUAGE_CODE = "en"
    applicant.language = "en"
    applicant.save()
    with at("2029-03-01"):
        client.force_login(applicant)
        page = client.get(reverse("certificates:detail", args=[certificate.pk]), HTTP_ACCEPT_LANGUAGE="en")
        assert "becomes an initial certification" in page.content.decode()
        response = client.post(reverse("certificates:recertify", args=[certificate.pk]), HTTP_ACCEPT_LANGUAGE="en")
    renewal = certificate.application.renewals.get()
    assert response.status_code == 302 and response.url == renewal.get_absolute_url()
    assert renewal.kind == Application.Kind.INITIAL
    assert "is an initial certification" in _message_texts(response)


def test_another_organization_cannot_start_a_late_application(client, other_applicant, certificate):
    with at("2029-03-01"):
        client.force_login(other_applicant)
        assert client.post(reverse("certificates:recertify", args=[certificate.pk])).status_code == 404
    assert not certificate.application.renewals.exists()


def test_the_reminders_say_by_when_to_apply_and_go_once(certificate, applicant):
    SurveillanceReview.objects.filter(certificate=certificate).update(status="completed")
    applicant.language = "en"
    applicant.save()
    with at("2028-11-07"):
        assert surveillance.run()["recertification_reminders"] == 1
        assert surveillance.run()["recertification_reminders"] == 0
    reminder = Notification.objects.get(kind="recertification_due", user=applicant)
    assert reminder.detail == f"{certificate.number} expires on 6 May 2029; apply for re-certification by 6 Feb 2029"
    with translation.override("en"):
        assert "initial certification" in surveillance.recertification_advice(certificate, datetime.date(2029, 3, 1))
        assert "opens on 6 Nov 2028" in surveillance.recertification_advice(certificate, datetime.date(2028, 1, 1))


def test_no_reminder_once_a_late_application_exists(certificate, applicant):
    SurveillanceReview.objects.filter(certificate=certificate).update(status="completed")
    with at("2029-02-07"):
        services.start_recertification(certificate=certificate, by=applicant)
        assert surveillance.run()["recertification_reminders"] == 0


# --- 4. supersession -----------------------------------------------------------------------------------------------


def _renew(certificate, decision_maker, day="2029-01-20"):
    renewal = _awaiting(certificate.organization, kind=Application.Kind.RECERTIFICATION, renews=certificate.application)
    audit_end = datetime.date.fromisoformat(day) - datetime.timedelta(days=20)  # its audit, shortly before
    renewal.audits.update(planned_start=audit_end, planned_end=audit_end)
    with at(day):
        return services.grant_certification(application=renewal, by=decision_maker)


def test_the_re_certification_certificate_supersedes_the_old_one_from_its_issue_date(certificate, decision_maker):
    new = _renew(certificate, decision_maker)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED
    assert new.supersedes == certificate and new.issued_on == datetime.date(2029, 1, 20)
    change = certificate.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == ("active", "superseded", decision_maker)
    assert new.number in change.reason
    assert certificate.status_changed_at.date() == datetime.date(2029, 1, 20)


def test_a_suspended_certificate_is_superseded_too(certificate, decision_maker):
    certificate.suspend(by=decision_maker, reason="监督逾期")
    _renew(certificate, decision_maker)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED


def test_an_ended_certificate_is_not_superseded(certificate, decision_maker):
    certificate.expire()
    new = _renew(certificate, decision_maker, day="2029-06-01")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.EXPIRED and new.supersedes == certificate
    with pytest.raises(InvalidTransition):
        certificate.supersede(by=decision_maker, reason="x")


def test_a_superseded_certificate_has_no_surveillance_or_reminders_left(certificate, decision_maker):
    new = _renew(certificate, decision_maker)
    with at("2029-04-01"):
        moved = surveillance.run()
        # Only the new certificate's annual fee of year 1 (quoted at its issue, unpaid) is reminded as overdue.
        assert moved == {**dict.fromkeys(moved, 0), "fee_reminders": 1}
        assert FeeReminder.objects.get().quote.certificate == new
        assert surveillance.run() == dict.fromkeys(moved, 0)


def test_the_public_page_says_it_is_no_longer_valid_and_links_the_new_one(client, certificate, decision_maker):
    cache.clear()
    new = _renew(certificate, decision_maker)
    response = client.get(
        reverse("certificates:verify", args=[certificate.verification_token]), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "no longer valid" in html and "20 Jan 2029" in html
    assert reverse("certificates:verify", args=[new.verification_token]) in html
    register = client.get(reverse("certificates:register"), {"q": certificate.holder_name}, HTTP_ACCEPT_LANGUAGE="en")
    assert "text-bg-danger" in register.content.decode() and "Superseded" in register.content.decode()


def test_the_holder_page_points_to_the_new_certificate(client, applicant, certificate, decision_maker):
    new = _renew(certificate, decision_maker)
    with at("2029-01-21"):
        client.force_login(applicant)
        page = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert reverse("certificates:detail", args=[new.pk]) in page
    assert reverse("certificates:recertify", args=[certificate.pk]) not in page


def test_with_the_policy_a_compliant_certificate_is_raised_to_a_star_only_after_a_year(stars_policy, decision_maker):
    certificate = services.grant_certification(application=_awaiting(grade="compliant"), by=decision_maker)
    with pytest.raises(TransitionError, match="2027|一年"):
        certificate.change_grade(by=decision_maker, grade="three_star", reason="监督审核")
    with time_machine.travel(
        datetime.datetime.combine(certificate.issued_on, datetime.time(12)) + datetime.timedelta(days=366)
    ):
        certificate.change_grade(by=decision_maker, grade="three_star", reason="监督审核")
    certificate.refresh_from_db()
    assert certificate.grade == "three_star"
