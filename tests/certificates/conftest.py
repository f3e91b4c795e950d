import datetime
from decimal import Decimal

import pytest
import time_machine

from certificates import services
from tests.factories import ready_for_decision


@pytest.fixture
def make_certificate(decision_maker):
    def make(organization=None, grade="four_star", when=None, **kwargs):
        extra = {"organization": organization} if organization else {}
        application = ready_for_decision(grade=grade, score=Decimal("91.50"), **extra, **kwargs)
        if when:
            # The surveillance due dates count from the audit's last on-site day (certificates/cycle.py): put it
            # on the day of the decision.
            day = when.date()
            application.audits.update(planned_start=day, planned_end=day)
            with time_machine.travel(when):
                return services.grant_certification(application=application, by=decision_maker)
        return services.grant_certification(application=application, by=decision_maker)

    return make


@pytest.fixture
def certificate(make_certificate, organization):
    return make_certificate(organization, when=datetime.datetime(2026, 5, 6, 10, tzinfo=datetime.UTC))
