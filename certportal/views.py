from decimal import Decimal

from django.shortcuts import render

from applications.models import FeeSchedule, ManDayRule, MaterialType
from certportal.workflow import TransitionError


def home(request):
    """The public page that explains the certification: what it is, the steps, the materials, the fee."""
    return render(
        request,
        "home.html",
        {
            "material_types": MaterialType.objects.filter(is_active=True),
            "fee_example": _fee_example(),
        },
    )


def _fee_example():
    """The initial-certification quote of the smallest enterprise size, from the live fee schedule."""
    try:
        schedule = FeeSchedule.active()
        rule = ManDayRule.objects.order_by("min_employees").first()
    except TransitionError:
        return None
    if rule is None:
        return None
    lines = schedule.price_lines("initial", rule.initial_total)
    return {
        "rule": rule,
        "man_days": rule.initial_total,
        "lines": lines,
        "total": sum((line.amount for line in lines), Decimal(0)),
    }
