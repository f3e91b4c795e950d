"""The staff dashboard: counts, queues, this month's audits, surveillance due, two server-drawn charts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Payment
from staff.views import dashboard
from tests.factories import AuditFactory, in_state

pytestmark = pytest.mark.django_db
S = Application.Status
URL = reverse("staff_dashboard")


def test_the_dashboard_shows_where_the_work_stands(reviewer_client, settings):
    settings.REVIEW_SLA_DAYS = {"default": 14, "submitted": 5}
    late = in_state(S.SUBMITTED)
    Application.objects.filter(pk=late.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=9))
    waiting = in_state(S.ACCEPTED)
    Payment.objects.create(
        application=waiting, quote=_quote(waiting), amount=100, status=Payment.Status.RECEIPT_UPLOADED
    )
    today = timezone.localdate()
    audit = AuditFactory(application=in_state(S.AUDIT_PLANNED), planned_start=today, planned_end=today)
    in_state(S.CERTIFIED, grade="four_star")
    response = reviewer_client.get(URL)
    assert response.status_code == 200
    counts = {c["status"]: c["count"] for c in response.context["state_counts"]}
    assert counts[S.SUBMITTED] == 1 and counts[S.CERTIFIED] == 1 and counts[S.DRAFT] == 0
    assert response.context["late_count"] == 1 and list(response.context["late"]) == [late]
    assert response.context["payments_count"] == 1
    assert list(response.context["audits"]) == [audit]
    html = response.content.decode()
    assert html.count('<svg class="cp-chart"') == 2
    assert "<script" not in html.split('id="content-main"')[1].split("<!-- END Content -->")[0]
    assert late.reference in html


def _quote(application):
    from applications.models import FeeSchedule, Quote

    return Quote.objects.create(
        application=application, event=application.kind, schedule=FeeSchedule.active(), man_days=2, total=100
    )


def test_surveillance_due_soon(reviewer_client):
    from certificates.models import SurveillanceReview
    from tests.staff.test_changelist import _certify

    application = in_state(S.CERTIFIED, grade="four_star")
    _certify(application)
    soon = SurveillanceReview.objects.create(
        certificate=application.certificate, sequence=1, due_date=timezone.localdate() + datetime.timedelta(days=20)
    )
    SurveillanceReview.objects.create(
        certificate=application.certificate, sequence=2, due_date=timezone.localdate() + datetime.timedelta(days=400)
    )
    response = reviewer_client.get(URL)
    assert list(response.context["surveillance"]) == [soon]


def test_charts_count_by_month_and_by_grade():
    in_state(S.SUBMITTED, submitted_at=timezone.now())
    in_state(S.CERTIFIED, grade="five_star", submitted_at=timezone.now())
    in_state(S.CERTIFIED, grade="five_star", submitted_at=timezone.now() - datetime.timedelta(days=800))
    months = dashboard.applications_per_month(timezone.localdate())
    assert len(months) == 12 and months[-1]["value"] == 2 and sum(m["value"] for m in months) == 2
    grades = {g["label"]: g["value"] for g in dashboard.grade_distribution()}
    assert list(grades.values()) == [0, 0, 0, 2]
    chart = dashboard.bar_chart(months)
    tallest = max(chart["bars"], key=lambda b: b["value"])
    assert tallest["height"] == chart["baseline"] - tallest["y"] > 0
    assert dashboard.bar_chart([])["bars"] == []


@pytest.mark.parametrize("size", [1, 20])
def test_the_dashboard_query_count_does_not_grow(reviewer_client, size, django_assert_max_num_queries):
    for index in range(size):
        in_state([S.SUBMITTED, S.AUDIT_PLANNED, S.CERTIFIED][index % 3], grade="three_star")
    with django_assert_max_num_queries(16):  # 14 + the unpaid fees past due (their count and list)
        assert reviewer_client.get(URL).status_code == 200


def test_the_dashboard_is_for_staff(client, applicant):
    assert client.get(URL).status_code == 302
    client.force_login(applicant)
    assert client.get(URL).status_code == 302


def test_the_admin_index_links_to_the_dashboard(reviewer_client, client, decision_maker):
    assert URL in reviewer_client.get(reverse("admin:index")).content.decode()
    client.force_login(decision_maker)
    assert client.get(URL).status_code == 200  # decision-makers read it too
