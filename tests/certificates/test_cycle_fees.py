"""The fees of a certification cycle (domain.md §5.2): the annual fee at issue and on the anniversaries, each
surveillance when it is announced, reminders before the due date and once overdue, unpaid fees listed for the
decision-maker (never a suspension by the sweep), and travel billed after an audit."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from applications.models import FeeReminder, Notification, Payment, Quote
from audits.models import Audit
from certificates import services, surveillance
from certificates.models import Certificate
from tests.factories import AuditFactory, QuoteFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: str, hour: int = 3):
    return time_machine.travel(datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False)


def sweep(day: str) -> dict:
    with at(day):
        return surveillance.run()


def _lines(quote) -> list[tuple[str, Decimal, Decimal]]:
    return [(line.name_en, line.quantity, line.amount) for line in quote.lines.all()]


def test_the_annual_fee_of_year_1_is_quoted_at_issue_with_its_payment(applicant, certificate):
    quote = certificate.quotes.get()
    assert (quote.event, quote.certificate_year, quote.application) == ("annual_fee", 1, certificate.application)
    assert _lines(quote) == [("Annual fee (incl. use of the mark)", Decimal(1), Decimal("500.00"))]
    assert quote.total == Decimal("500.00") and quote.due_on == datetime.date(2026, 6, 5)  # 30 days after issue
    payment = quote.payments.get()
    assert (payment.amount, payment.status, payment.method) == (Decimal("500.00"), "pending", "bank_transfer")
    told = Notification.objects.get(kind="fee_quoted")
    assert told.user == applicant and "¥500" in told.detail and told.application == certificate.application
    # The acceptance quote is still the application's, and only it.
    assert certificate.application.acceptance_quote is None  # set up without one (tests.factories.in_state)


def test_each_surveillance_is_quoted_once_when_it_is_announced(certificate):
    first, second = certificate.surveillance_reviews.all()
    assert sweep("2027-03-06")["surveillance_fees"] == 0  # 61 days before 2027-05-06
    assert sweep("2027-03-07")["surveillance_fees"] == 1  # 60 days: the first reminder
    assert sweep("2027-03-07")["surveillance_fees"] == 0
    quote = first.quotes.get()
    assert quote.event == "surveillance" and quote.certificate == certificate and quote.man_days == Decimal("1.5")
    # 8 employees: 1.5 surveillance man-days × ¥1,000; the annual fee is billed separately, never with the audit.
    assert _lines(quote) == [("Surveillance audit fee", Decimal("1.5"), Decimal("1500.00"))]
    assert quote.due_on == datetime.date(2027, 4, 6) and quote.payments.get().amount == Decimal("1500.00")
    assert not second.quotes.exists()


def test_planning_the_surveillance_audit_quotes_it_at_the_latest(certificate, reviewer, auditor):
    review = certificate.surveillance_reviews.first()
    with at("2026-11-02"):  # long before the sweep would announce it
        services.plan_surveillance_audit(
            review=review,
            by=reviewer,
            lead=auditor,
            start=datetime.date(2026, 12, 1),
            end=datetime.date(2026, 12, 1),
            onsite_man_days=Decimal(1),
        )
    assert review.quotes.get().due_on == datetime.date(2026, 12, 2)
    assert sweep("2027-03-07")["surveillance_fees"] == 0  # quoted already


def test_the_annual_fee_of_years_2_and_3_on_the_anniversaries(certificate):
    assert sweep("2027-05-05")["annual_fees"] == 0
    assert sweep("2027-05-06")["annual_fees"] == 1
    assert sweep("2027-05-07")["annual_fees"] == 0  # idempotent
    assert sweep("2028-05-06")["annual_fees"] == 1
    assert sweep("2029-05-06")["annual_fees"] == 0  # a cycle has three years
    years = certificate.quotes.filter(event="annual_fee").order_by("certificate_year")
    assert [(q.certificate_year, q.due_on, q.total) for q in years] == [
        (1, datetime.date(2026, 6, 5), Decimal("500.00")),
        (2, datetime.date(2027, 6, 5), Decimal("500.00")),
        (3, datetime.date(2028, 6, 5), Decimal("500.00")),
    ]
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a second year 2
        QuoteFactory(
            application=certificate.application, event="annual_fee", certificate=certificate, certificate_year=2
        )
    assert services.quote_annual_fee(certificate, 2) == years[1]


def test_reminders_before_the_due_date_and_once_overdue_but_no_suspension(applicant, certificate):
    # The annual fee of year 1 is due on 2026-06-05 (FEE_REMINDER_DAYS 14 and 3).
    assert sweep("2026-05-21")["fee_reminders"] == 0  # 15 days before
    assert sweep("2026-05-22")["fee_reminders"] == 1  # 14 days
    assert sweep("2026-05-22")["fee_reminders"] == 0  # never twice
    assert sweep("2026-06-02")["fee_reminders"] == 1  # 3 days
    assert sweep("2026-06-05")["fee_reminders"] == 0  # due today: not overdue yet
    assert sweep("2026-06-06")["fee_reminders"] == 1  # overdue, once
    assert sweep("2026-07-06")["fee_reminders"] == 0
    assert list(FeeReminder.objects.order_by("sent_at", "pk").values_list("step", flat=True)) == [14, 3, -1]
    fees = Notification.objects.filter(user=applicant, kind__startswith="fee_").order_by("pk")
    assert list(fees.values_list("kind", flat=True)) == ["fee_quoted", "fee_due", "fee_due", "fee_overdue"]
    # Months unpaid: the sweep suspends nothing for money.
    moved = sweep("2026-12-01")
    assert moved["suspended"] == 0
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE


def test_a_paid_fee_is_neither_reminded_nor_listed_and_moves_no_application(certificate, reviewer):
    payment = certificate.quotes.get().payments.get()
    payment.confirm(by=reviewer)
    certificate.application.refresh_from_db()
    assert certificate.application.status == "certified"  # a cycle fee does not "pay" the application
    assert sweep("2026-05-22")["fee_reminders"] == 0
    assert sweep("2026-06-06")["fee_reminders"] == 0
    assert services.unpaid_fees(certificate, datetime.date(2026, 7, 1)) == []


def test_unpaid_fees_are_listed_for_the_decision_maker_with_the_suspension_reason_prefilled(
    client, certificate, decision_maker, django_assert_max_num_queries
):
    quote = certificate.quotes.get()
    client.force_login(decision_maker)
    page = reverse("admin:certificates_certificate_change", args=[certificate.pk])
    with at("2026-06-05"):
        assert "unpaid fees" not in client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()  # due today
    with at("2026-06-06"):
        html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "unpaid fees: Annual fee, year 1, due 5 Jun 2026, ¥500.00" in html
        form = client.get(reverse("admin:certificates_certificate_act", args=[certificate.pk, "suspend"]))
        reason = form.context["form"].initial["reason"]
        assert reason == "未缴费用 / Unpaid fees: 年金，第 1 年 (Annual fee, year 1), due 2026-06-05, ¥500.00"
        with django_assert_max_num_queries(60):
            dashboard = client.get(reverse("staff_dashboard"), HTTP_ACCEPT_LANGUAGE="en")
        assert dashboard.context["unpaid_fees_count"] == 1
        assert list(dashboard.context["unpaid_fees"]) == [quote]
        assert "unpaid fees: Annual fee, year 1" in dashboard.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE  # listing suspends nothing


# --- travel and accommodation, at actual cost after the audit ------------------------------------------------


def _travel_url(audit) -> str:
    return reverse("admin:audits_audit_travel", args=[audit.pk])


def _costs(*rows) -> dict:
    data = {"cost-TOTAL_FORMS": "3", "cost-INITIAL_FORMS": "0", "cost-MIN_NUM_FORMS": "1", "cost-MAX_NUM_FORMS": "10"}
    for i, (text, amount) in enumerate(rows):
        data[f"cost-{i}-description"], data[f"cost-{i}-amount"] = text, amount
    return data


def test_a_reviewer_bills_travel_after_the_audit(client, applicant, certificate, reviewer):
    audit = certificate.application.audits.get()
    client.force_login(reviewer)
    change = client.get(reverse("admin:audits_audit_change", args=[audit.pk])).content.decode()
    assert _travel_url(audit) in change
    response = client.post(_travel_url(audit), _costs(("高铁 北京—上海 往返", "1106.00"), ("酒店 2 晚", "860.50")))
    assert response.status_code == 302
    quote = Quote.objects.get(event="travel")
    assert (quote.audit, quote.application, quote.total) == (audit, certificate.application, Decimal("1966.50"))
    assert [(line.name_zh, line.amount) for line in quote.lines.all()] == [
        ("高铁 北京—上海 往返", Decimal("1106.00")),
        ("酒店 2 晚", Decimal("860.50")),
    ]
    assert quote.payments.get().status == Payment.Status.PENDING
    assert Notification.objects.filter(user=applicant, kind="fee_quoted", detail__contains="¥1,966.50").exists()


@pytest.mark.parametrize("amount", ["-5", "abc", "0"])
def test_bad_travel_input_is_refused_and_nothing_is_billed(client, certificate, reviewer, amount):
    audit = certificate.application.audits.get()
    client.force_login(reviewer)
    response = client.post(_travel_url(audit), _costs(("酒店", amount)), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response.context["formset"].errors[0]["amount"]
    assert not Quote.objects.filter(event="travel").exists()
    empty = client.post(_travel_url(audit), _costs())
    assert "请至少提交 1 个表单" in empty.content.decode() or empty.context["formset"].non_form_errors()
    assert not Quote.objects.filter(event="travel").exists()


def test_only_payment_staff_bill_travel_and_only_after_the_report(client, certificate, reviewer, auditor):
    audit = certificate.application.audits.get()
    for person in (auditor, UserFactory(role="decision_maker")):
        client.force_login(person)
        response = client.post(_travel_url(audit), _costs(("酒店", "100")))
        assert response.status_code in (302, 403) and not Quote.objects.filter(event="travel").exists()
        if response.status_code == 302:  # not staff at all: the admin's login page
            assert response.url.startswith(reverse("admin:login"))
    planned = AuditFactory(application=certificate.application, kind=Audit.Kind.SURVEILLANCE)
    client.force_login(reviewer)
    response = client.post(_travel_url(planned), _costs(("酒店", "100")), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "once the audit report is submitted" in response.content.decode()
    assert not Quote.objects.filter(event="travel").exists()


# --- what the enterprise sees: its fee page and its certificate's fees of the cycle ---------------------------


def test_the_fee_page_lists_every_fee_and_shows_the_chosen_one(
    client, applicant, certificate, other_applicant, django_assert_max_num_queries
):
    sweep("2027-03-07")  # surveillance 1 quoted
    annual = certificate.quotes.get(event="annual_fee").payments.get()
    survey = certificate.quotes.get(event="surveillance").payments.get()
    url = reverse("applications:fee", args=[certificate.application_id])
    client.force_login(applicant)
    with django_assert_max_num_queries(40):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert [p.pk for p in page.context["payments"]] == [annual.pk, survey.pk]
    assert "Annual fee, year 1" in html and "Surveillance audit 1" in html and "¥1,500.00" in html
    assert page.context["payment"] == survey  # the latest
    chosen = client.get(url, {"payment": annual.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert chosen.context["payment"] == annual and "Quotation: Annual fee, year 1" in chosen.content.decode()
    # Bad input, or another organization's payment: the latest of this application, nothing else.
    other = QuoteFactory(application__organization=other_applicant.membership.organization)
    foreign = Payment.objects.create(application=other.application, quote=other, amount=other.total)
    for value in ("abc", "-1", str(foreign.pk)):
        assert client.get(url, {"payment": value}).context["payment"] == survey
    client.force_login(other_applicant)
    assert client.get(url).status_code == 404  # an outsider


def test_staff_do_not_use_the_portal_fee_page(client, certificate, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("applications:fee", args=[certificate.application_id])).status_code == 404


def test_the_certificate_page_shows_the_cycle_fees_with_estimates(
    client, applicant, certificate, other_applicant, django_assert_max_num_queries
):
    url = reverse("certificates:detail", args=[certificate.pk])
    client.force_login(applicant)
    with django_assert_max_num_queries(40):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    rows = [(fee.title, fee.total, fee.quote is not None) for fee in page.context["fees"]]
    assert rows == [
        ("Annual fee, year 1", Decimal("500.00"), True),
        ("Surveillance audit 1", Decimal("1500.00"), False),
        ("Annual fee, year 2", Decimal("500.00"), False),
        ("Surveillance audit 2", Decimal("1500.00"), False),
        ("Annual fee, year 3", Decimal("500.00"), False),
    ]
    html = page.content.decode()
    assert "Fees in this cycle" in html and "¥4,500.00" in html and "Estimate" in html
    certificate.withdraw(by=UserFactory(role="decision_maker"), reason="测试")
    ended = client.get(url, HTTP_ACCEPT_LANGUAGE="en").context["fees"]
    assert [fee.title for fee in ended] == ["Annual fee, year 1"]  # no estimates for a certificate no longer valid
    client.force_login(other_applicant)
    assert client.get(url).status_code == 404
