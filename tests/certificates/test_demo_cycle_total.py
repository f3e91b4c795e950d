"""The demo enterprise's 3-year cycle, fee by fee (README "How billing runs through the cycle", domain.md §5.2):
what is quoted once `seed_demo` has certified it, and the fees still to come as estimates, from the seeded schedule
(8 employees: 3 initial and 1.5 surveillance man-days, ¥1,000 a man-day, annual fee ¥500)."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from certificates import services
from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def test_the_demo_enterprises_three_year_cycle_total(settings, capsys):
    settings.DEBUG, settings.DEMO_MODE = True, True
    call_command("seed_demo")
    capsys.readouterr()  # the command prints its logins; the test prints nothing
    certificate = Certificate.objects.get()
    with translation.override("en"):
        fees = services.cycle_fees(certificate)
        rows = [(fee.title, fee.total, fee.quote is not None) for fee in fees]
        quote = fees[0].quote
        assert quote is not None
        first = [(line.name_en, line.quantity, line.amount) for line in quote.lines.all()]
    assert first == [
        ("Application fee", Decimal(1), Decimal("1000.00")),
        ("Approval and registration (incl. certificate)", Decimal(1), Decimal("800.00")),
        ("Audit fee", Decimal(3), Decimal("3000.00")),
    ]
    assert rows == [
        ("Initial certification", Decimal("4800.00"), True),  # accepted, paid
        ("Annual fee, year 1", Decimal("500.00"), True),  # quoted at issue
        ("Surveillance audit 1", Decimal("1500.00"), False),  # 1.5 man-days × ¥1,000, quoted when announced
        ("Annual fee, year 2", Decimal("500.00"), False),  # quoted on the first anniversary
        ("Surveillance audit 2", Decimal("1500.00"), False),
        ("Annual fee, year 3", Decimal("500.00"), False),
    ]
    assert sum(fee.total for fee in fees) == Decimal("9300.00")  # travel comes on top, at actual cost
