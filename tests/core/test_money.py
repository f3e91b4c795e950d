"""Money shown the Chinese way (certportal/money.py and the `money` template filters): ¥4,800.00, ¥4,800 in text."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from applications.models import Application, Notification
from certportal.money import format_money, format_money_text
from tests.factories import in_state


@pytest.mark.parametrize(
    ("amount", "shown", "in_text"),
    [
        (Decimal("0"), "¥0.00", "¥0"),
        (0, "¥0.00", "¥0"),
        (Decimal("0.5"), "¥0.50", "¥0.50"),
        (Decimal("0.05"), "¥0.05", "¥0.05"),
        (Decimal("4800"), "¥4,800.00", "¥4,800"),
        (Decimal("4800.00"), "¥4,800.00", "¥4,800"),
        (4800, "¥4,800.00", "¥4,800"),
        (Decimal("4800.50"), "¥4,800.50", "¥4,800.50"),
        (Decimal("999.99"), "¥999.99", "¥999.99"),
        (Decimal("1000"), "¥1,000.00", "¥1,000"),
        (Decimal("1234567.89"), "¥1,234,567.89", "¥1,234,567.89"),
        (Decimal("9999999999.99"), "¥9,999,999,999.99", "¥9,999,999,999.99"),
        (Decimal("1E+3"), "¥1,000.00", "¥1,000"),
        (Decimal("-1000"), "-¥1,000.00", "-¥1,000"),
        (Decimal("-0.5"), "-¥0.50", "-¥0.50"),
        (Decimal("-1234567.89"), "-¥1,234,567.89", "-¥1,234,567.89"),
    ],
)
def test_amounts_have_two_decimals_thousands_separators_and_the_sign_before_the_yuan(amount, shown, in_text):
    assert format_money(amount) == shown
    assert format_money_text(amount) == in_text


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("12.344"), "¥12.34"),
        (Decimal("12.345"), "¥12.35"),  # half up: 四舍五入
        (Decimal("12.355"), "¥12.36"),  # not banker's rounding (that would give 12.36 here but 12.34 above)
        (Decimal("0.005"), "¥0.01"),
        (Decimal("-0.005"), "-¥0.01"),  # half away from zero
        (Decimal("-0.004"), "¥0.00"),  # rounds to zero: no minus sign
        (Decimal("-0"), "¥0.00"),
        (Decimal("999.995"), "¥1,000.00"),  # the carry reaches the thousands
    ],
)
def test_more_than_two_decimal_places_round_half_away_from_zero_to_the_fen(amount, shown):
    assert format_money(amount) == shown


def test_a_rounded_amount_with_no_fen_left_shows_without_them_in_text():
    assert format_money_text(Decimal("4799.999")) == "¥4,800"
    assert format_money_text(Decimal("4800.004")) == "¥4,800"
    assert format_money_text(Decimal("4800.005")) == "¥4,800.01"


@pytest.mark.parametrize("amount", [None, ""])
def test_no_amount_shows_nothing_or_the_mark_asked_for(amount):
    assert format_money(amount) == ""
    assert format_money_text(amount) == ""
    assert format_money(amount, "—") == "—"
    assert format_money_text(amount, "—") == "—"


@pytest.mark.parametrize("amount", [4800.0, 0.1, "4800", "¥4,800", True, [4800]])
def test_floats_strings_and_other_types_are_refused(amount):
    with pytest.raises(TypeError, match="Decimal or an int"):
        format_money(amount)
    with pytest.raises(TypeError, match="Decimal or an int"):
        format_money_text(amount)


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_decimals_are_refused(amount):
    with pytest.raises(ValueError, match="finite"):
        format_money(amount)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_filters_show_the_same_text_in_both_languages(language):
    template = Template(
        '{% load money %}[{{ a|money }}] [{{ a|money_text }}] [{{ b|money_text }}] [{{ c|money:"—" }}] [{{ c|money }}]'
        " [{{ d|money }}]"
    )
    context = Context({"a": Decimal("4800"), "b": Decimal("1234567.8"), "c": None, "d": Decimal("-1000")})
    with translation.override(language):
        rendered = template.render(context)
    assert rendered == "[¥4,800.00] [¥4,800] [¥1,234,567.80] [—] [] [-¥1,000.00]"


def test_the_filters_localize_nothing_even_with_localization_on():
    """USE_THOUSAND_SEPARATOR or a locale's NUMBER_GROUPING must not change the text: it is the Chinese way in
    every language, computed by the module, not by Django's number formatting."""
    template = Template("{% load money l10n %}{% localize on %}{{ a|money }}{% endlocalize %}")
    with translation.override("en"), _thousand_separator():
        assert template.render(Context({"a": Decimal("1234567.5")})) == "¥1,234,567.50"


class _thousand_separator:
    def __enter__(self):
        from django.test import override_settings

        self._override = override_settings(USE_THOUSAND_SEPARATOR=True, THOUSAND_SEPARATOR=" ", NUMBER_GROUPING=4)
        self._override.enable()

    def __exit__(self, *exc):
        self._override.disable()


# --- Where amounts are shown: an accepted application of the default size is quoted ¥4,800 (1,000 application fee,
# 800 certification fee, 3 man-days × 1,000).


@pytest.fixture
def accepted(applicant, reviewer):
    application = in_state(Application.Status.SUBMITTED, organization=applicant.membership.organization)
    application.accept(by=reviewer)
    assert application.payments.get().quote.total == Decimal("4800.00")
    return application


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_fee_page_shows_the_quote_and_the_amount_to_transfer_the_chinese_way(client, applicant, accepted, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(applicant)
    page = client.get(reverse("applications:fee", args=[accepted.pk])).content.decode()
    assert re.search(r'fee-total">\s*¥4,800\.00\s*<', page)  # the quote's total
    assert re.search(r'<dd class="fw-bold">\s*¥4,800\.00\s*</dd>', page)  # the amount to transfer
    assert "¥1,000.00" in page  # the application fee line, unit price and amount
    assert "4800.00" not in page and "4800,00" not in page


@pytest.mark.django_db
def test_the_application_page_shows_the_fee_the_chinese_way(client, applicant, accepted):
    client.force_login(applicant)
    page = client.get(accepted.get_absolute_url()).content.decode()
    assert "¥4,800.00" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "sentence"),
    [("zh-hans", "审核3人日，合计¥4,800。"), ("en", "3 audit man-days, total ¥4,800.")],
)
def test_the_home_page_example_gives_the_total_in_running_text_without_fen(client, language, sentence):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("home")).content.decode()
    assert sentence in page
    assert "¥4,800.00" in page  # the example's table


@pytest.mark.django_db
def test_the_admin_payment_list_and_payment_page_show_amounts_the_chinese_way(
    client, reviewer, accepted, django_assert_max_num_queries
):
    for _ in range(4):
        in_state(Application.Status.SUBMITTED).accept(by=reviewer)
    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("admin:applications_payment_changelist")).content.decode()
    assert page.count('<td class="field-amount_shown">¥4,800.00</td>') == 5
    payment = accepted.payments.get()
    page = client.get(reverse("admin:applications_payment_change", args=[payment.pk])).content.decode()
    assert "¥4,800.00" in page
    page = client.get(reverse("admin:applications_application_change", args=[accepted.pk])).content.decode()
    assert "¥4,800.00" in page and "¥1,000.00" in page


@pytest.mark.django_db
def test_the_admin_quote_shows_its_total_and_lines_the_chinese_way(client, administrator, accepted):
    client.force_login(administrator)
    page = client.get(reverse("admin:applications_quote_changelist")).content.decode()
    assert "¥4,800.00" in page
    page = client.get(
        reverse("admin:applications_quote_change", args=[accepted.payments.get().quote_id])
    ).content.decode()
    assert "¥4,800.00" in page and "¥1,000.00" in page


@pytest.mark.django_db
def test_the_payment_e_mail_and_notification_show_the_amount_the_chinese_way(
    applicant, reviewer, accepted, mailoutbox, django_capture_on_commit_callbacks
):
    payment = accepted.payments.get()
    payment.upload_receipt(ContentFile(b"%PDF-1.4"), by=applicant, original_name="r.pdf", extension=".pdf")
    with django_capture_on_commit_callbacks(execute=True):
        payment.confirm(by=reviewer)
    notice = Notification.objects.get(kind=Notification.Kind.PAYMENT_CONFIRMED, user=applicant)
    assert notice.detail == f"{payment.reference} ¥4,800.00"
    mail = next(m for m in mailoutbox if payment.reference in m.subject)
    assert "¥4,800.00" in mail.subject and "¥4,800.00" in mail.body


@pytest.mark.django_db
def test_the_records_names_show_amounts_the_chinese_way(accepted):
    payment = accepted.payments.get()
    assert str(payment).startswith(f"{payment.reference} ¥4,800.00 (")
    assert str(payment.quote).endswith(": ¥4,800.00")
    assert str(payment.quote.lines.order_by("pk").first()).endswith(" ¥1,000.00")


# --- No way around the filters


def _template_files():
    base = Path(settings.BASE_DIR)
    for root in [base / "templates", *base.glob("*/templates")]:
        yield from (path for path in root.rglob("*") if path.suffix in {".html", ".txt", ".xml"})


def _python_files():
    base = Path(settings.BASE_DIR)
    for app in settings.INSTALLED_APPS:
        folder = base / app.split(".")[0]
        if folder.is_dir() and folder.name not in {"tests"}:
            yield from (path for path in folder.rglob("*.py") if "migrations" not in path.parts)


def test_the_walks_see_the_files_that_show_amounts():
    templates = {path.name for path in _template_files()}
    assert {"fee.html", "_fee_lines.html", "dashboard.html", "change_form.html", "sandbox_bank.html"} <= templates
    modules = {str(path.relative_to(settings.BASE_DIR)) for path in _python_files()}
    assert {"applications/models/fees.py", "applications/admin/workflow.py", "certportal/money.py"} <= modules


def _offenders(paths, pattern):
    return [
        f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]


def test_no_template_puts_a_raw_amount_after_the_yuan_sign():
    """An amount reaches a page through the `money` filters only: `¥{{ payment.amount }}` (or `¥{{ x|floatformat }}`,
    `¥{{ x|intcomma }}`) would show ¥4800.00 and bypass them. An amount in a `blocktranslate` is passed formatted
    (`with amount=payment.amount|money_text` … `Pay {{ amount }}`), so `¥{{` appears nowhere."""
    assert _offenders(_template_files(), re.compile(r"[¥￥]\s*\{[{%]")) == []


def test_no_python_text_puts_a_raw_amount_after_the_yuan_sign():
    """The same in code: `f"¥{self.amount}"` or `_("… ¥%(amount)s")` would show ¥4800.00; format_money (or
    format_money_text) gives the text. Log lines (¥%s) are for the operators and keep the plain number."""
    assert _offenders(_python_files(), re.compile(r"[¥￥]\{|[¥￥]%\(")) == []
