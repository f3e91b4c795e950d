"""`{{ amount|money }}` → ¥4,800.00 and `{{ amount|money_text }}` → ¥4,800 (certportal/money.py has the rules).

Load with `{% load money %}`. No amount (None, "") gives ""; a table cell that needs a mark passes it:
`{{ payment.amount|money:"—" }}`.
"""

from django import template

from certportal.money import Amount, format_money, format_money_text

register = template.Library()


@register.filter(is_safe=True)
def money(amount: Amount, empty: str = "") -> str:
    """¥4,800.00: tables, totals, admin pages, PDFs."""
    return format_money(amount, empty)


@register.filter(is_safe=True)
def money_text(amount: Amount, empty: str = "") -> str:
    """¥4,800 (¥4,800.50 when there are fen): an amount in a sentence."""
    return format_money_text(amount, empty)
