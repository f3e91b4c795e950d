"""Money shown the Chinese way (certportal/money.py and the `money` template filters): ¥4,800.00, ¥4,800 in text."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from certportal.money import format_money, format_money_text


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
