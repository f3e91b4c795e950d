"""Amounts of money as the portal shows them: renminbi the Chinese way, the same in both languages.

- `format_money(Decimal("4800"))` gives "¥4,800.00": always two decimals (fen), a comma every three digits, and a
  negative amount with its minus sign before the yuan sign ("-¥1,000.00"). Tables, totals, admin pages, PDFs.
- `format_money_text(Decimal("4800"))` gives "¥4,800", and "¥4,800.50" when there are fen: for running text
  (a sentence, an e-mail, a notification).

Amounts are Decimal (or int) and stay exact: a float is refused (TypeError), as is a NaN or an infinity
(ValueError). An amount with more than two decimal places is rounded to the fen half away from zero (四舍五入:
0.005 → ¥0.01, -0.005 → -¥0.01), the rounding of ROUND_HALF_UP; a result of zero never shows a minus sign.
No amount (None or "") gives "", or the `empty` text asked for (a table cell passes "—").

The template filters `money` and `money_text` (applications/templatetags/money.py) call these two functions.
Exports (CSV, XLSX) keep amounts as plain numbers and do not use them.
"""

from decimal import ROUND_HALF_UP, Decimal

YUAN = "¥"
FEN = Decimal("0.01")

# What the functions take: "" stands for no amount, as None does (an empty template variable); any other string
# is refused like a float.
Amount = Decimal | int | str | None


def to_fen(amount: object) -> Decimal:
    """The amount rounded to the fen (half away from zero), refusing floats, booleans and non-finite values."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"An amount of money is a Decimal or an int, not {type(amount).__name__}: {amount!r}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"An amount of money is a finite number, not {amount}")
    rounded = value.quantize(FEN, rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)  # -0.00 shows as ¥0.00


def _format(rounded: Decimal, places: int) -> str:
    sign = "-" if rounded < 0 else ""
    return f"{sign}{YUAN}{abs(rounded):,.{places}f}"


def format_money(amount: Amount, empty: str = "") -> str:
    """¥4,800.00: two decimals, thousands separators, "-¥1,000.00" for a negative amount; `empty` for no amount."""
    if amount is None or amount == "":
        return empty
    return _format(to_fen(amount), 2)


def format_money_text(amount: Amount, empty: str = "") -> str:
    """¥4,800 when the fen are zero, else ¥4,800.50: the amount in a sentence; `empty` for no amount."""
    if amount is None or amount == "":
        return empty
    rounded = to_fen(amount)
    return _format(rounded, 0 if rounded == rounded.to_integral_value() else 2)
