"""The admin's history of an application: columns and changes as people read them, not as stored."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import translation
from simple_history.models import ModelChange

from applications.models import Application
from tests.factories import in_state

pytestmark = pytest.mark.django_db


def test_history_shows_field_names_and_status_labels(reviewer_client, reviewer):
    application = in_state(Application.Status.SUBMITTED)
    application.return_for_corrections(by=reviewer, reason="营业执照过期")
    page = reviewer_client.get(reverse("admin:applications_application_history", args=[application.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    html = html[html.index('id="change-history"') :]
    header = html[html.index("<thead>") : html.index("</thead>")]
    assert ">Status<" in header and ">status<" not in header
    body = html[html.index("<tbody>") :]
    assert "Returned for corrections" in body
    # the change between versions: the field's name and both statuses' labels
    assert re.search(r"<strong>Status:</strong>\s*Submitted\s*&nbsp;&rarr;&nbsp;&nbsp;Returned for corrections", body)
    assert "<strong>status:</strong>" not in body and "submitted &nbsp;" not in body
    assert re.search(r"<strong>Status since:</strong>\s*\w", body) and "+00:00" not in body  # local time, not UTC


def test_the_history_labels_fall_back_to_what_they_are_given():
    from accounts.templatetags.history_labels import field_label, field_value
    from certportal.history import LabelledChanges

    opts = Application._meta
    assert field_label(opts, "status_changed_at") == "Status since"
    assert field_label(opts, "not_a_field") == "Not a field"

    def change_value(field, value):
        return LabelledChanges(Application, None).prepare_delta_change_value(ModelChange(field, value, value), value)

    assert change_value("status", "") == ""
    assert change_value("status", "gone") == "gone"  # a code no longer among the choices
    assert change_value("score", 91) == 91
    moment = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    with translation.override("en"):
        assert str(change_value("status", "submitted")) == "Submitted"
        assert change_value("status_changed_at", moment) == "28 Nov 2026 00:30"  # Shanghai time

    class Record:
        reason = "why"

    assert field_value(Record(), "reason") == "why" and field_value(Record(), "missing") is None
