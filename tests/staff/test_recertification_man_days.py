"""A re-certification beyond the man-day table (more than 8,500 employees has no re-certification figure):
accepting it never fails for that; the reviewer's accept form asks for the man-days and the quote records who set
them (domain.md §3, §5.2)."""

from decimal import Decimal

import pytest

from applications.models import Application, Quote
from certportal.workflow import TransitionError
from tests.factories import in_state
from tests.staff.conftest import change_url, messages_of, transition_url

pytestmark = pytest.mark.django_db
MESSAGE = "The man-day table has no re-certification figure for 9,000 employees; enter the man-days."


@pytest.fixture
def large_renewal():
    return in_state(Application.Status.SUBMITTED, kind=Application.Kind.RECERTIFICATION, employee_count=9000)


def test_without_man_days_acceptance_is_refused_with_the_reason_and_nothing_changes(reviewer, large_renewal):
    with pytest.raises(TransitionError) as refused:
        large_renewal.accept(by=reviewer)
    assert MESSAGE in refused.value.message
    large_renewal.refresh_from_db()
    assert large_renewal.status == Application.Status.SUBMITTED and not Quote.objects.exists()


def test_the_accept_form_asks_for_the_man_days_and_the_quote_records_who_set_them(
    reviewer_client, reviewer, large_renewal
):
    page = reviewer_client.get(change_url(large_renewal), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert MESSAGE in page and 'name="man_days"' in page
    response = reviewer_client.post(
        transition_url(large_renewal, "accept"), {"expected_status": "submitted", "man_days": "16"}, follow=True
    )
    assert "accepted" in messages_of(response)[-1]
    large_renewal.refresh_from_db()
    quote = large_renewal.acceptance_quote
    assert large_renewal.status == Application.Status.ACCEPTED
    assert (quote.event, quote.man_days, quote.man_days_set_by) == ("recertification", Decimal(16), reviewer)
    # Re-certification application ¥800 + registration ¥800 + 16 man-days × ¥1,000.
    assert quote.total == Decimal("17600.00") and large_renewal.payments.get().amount == Decimal("17600.00")


@pytest.mark.parametrize("man_days", ["", "abc", "0", "-3", "1000"])
def test_bad_man_days_are_refused_with_a_message_and_nothing_changes(reviewer_client, large_renewal, man_days):
    response = reviewer_client.post(
        transition_url(large_renewal, "accept"),
        {"expected_status": "submitted", "man_days": man_days},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert messages_of(response)  # the table's message, or the field's own ("Enter a number." …)
    large_renewal.refresh_from_db()
    assert large_renewal.status == Application.Status.SUBMITTED and not Quote.objects.exists()


def test_a_size_within_the_table_takes_its_figure_and_records_no_one(reviewer_client, reviewer):
    renewal = in_state(Application.Status.SUBMITTED, kind=Application.Kind.RECERTIFICATION, employee_count=8500)
    assert 'name="man_days"' not in reviewer_client.get(change_url(renewal)).content.decode()
    renewal.accept(by=reviewer)
    quote = renewal.acceptance_quote
    assert (quote.man_days, quote.man_days_set_by, quote.total) == (Decimal(15), None, Decimal("16600.00"))
