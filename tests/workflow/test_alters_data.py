"""Model methods that change data carry Django's `alters_data` (certportal.workflow.alters_data), so a template
that names one never calls it."""

import pytest

from applications.models import Application, Invitation, Payment
from audits.models import Audit, IndicatorSet
from certificates.models import Certificate, SurveillanceReview

MARKED = [
    Application.perform,
    Application.submit,
    Application.withdraw,
    Invitation.accept,
    Payment.confirm,
    Audit.start,
    Audit.record_score,
    Audit.record_report_pdf,
    IndicatorSet.activate,  # under @transaction.atomic too
    IndicatorSet.copy_as_new_version,
    Certificate.suspend,
    Certificate.record_pdf,
    SurveillanceReview.complete,
]


@pytest.mark.parametrize("method", MARKED, ids=lambda method: method.__qualname__)
def test_methods_that_change_data_are_marked(method):
    assert method.alters_data is True


def test_a_method_that_only_reads_is_not_marked():
    assert not hasattr(Application.missing_for_submit, "alters_data")
