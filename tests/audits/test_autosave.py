"""The autosave endpoint: one item per request, JSON with the new total and progress, or field errors."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audits.models import Audit, Indicator, ItemScore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def item(audit, code):
    return Indicator.objects.get(indicator_set=audit.indicator_set, code=code)


def save(client, audit, indicator, **data):
    return client.post(reverse("audits:save_item", args=[audit.pk, indicator.pk]), data, **JSON)


def test_saving_an_item_returns_the_new_total_and_progress(client, audit, lead):
    client.force_login(lead)
    response = save(client, audit, item(audit, "5.1.1.1"), points="4.5", notes="组织架构图未更新")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["item"] == {"obtained": "4.50", "scored": True}
    assert body["progress"]["scored"] == 1 and body["progress"]["total"] == 18
    assert body["progress"]["obtained"] == "4.50" and body["progress"]["applicable"] == "6.00"
    assert body["progress"]["score"] == "75.00"
    score = ItemScore.objects.get(audit=audit)
    assert (score.points, score.notes, score.updated_by) == (Decimal("4.5"), "组织架构图未更新", lead)
    assert score.history.first().history_user == lead


def test_saving_again_updates_the_same_row(client, audit, lead, member):
    indicator = item(audit, "5.1.1.1")
    client.force_login(lead)
    save(client, audit, indicator, points="4")
    client.force_login(member)
    response = save(client, audit, indicator, points="6")
    assert response.json()["progress"]["score"] == "100.00"
    assert ItemScore.objects.get(audit=audit).points == 6
    assert ItemScore.objects.get(audit=audit).history.count() == 2


def test_sampled_item_loses_points_in_proportion(client, audit, lead):
    client.force_login(lead)
    response = save(client, audit, item(audit, "5.2.4"), sample_size="10", nonconforming_samples="2")
    assert response.json()["item"]["obtained"] == "4.80"  # 6 × 8/10


def test_excluded_item_counts_in_neither_total(client, audit, lead):
    client.force_login(lead)
    save(client, audit, item(audit, "5.1.1.1"), points="6")
    response = save(client, audit, item(audit, "5.1.1.2"), not_applicable="on", not_applicable_reason="无服务网点")
    progress = response.json()["progress"]
    assert (progress["scored"], progress["applicable"], progress["score"]) == (2, "6.00", "100.00")


@pytest.mark.parametrize(
    ("code", "data", "field"),
    [
        ("5.1.1.1", {"points": "6.5"}, "points"),  # above the maximum
        ("5.1.1.1", {"points": "-1"}, "points"),  # negative
        ("5.1.1.1", {"points": "abc"}, "points"),
        ("5.1.1.1", {"not_applicable": "on", "not_applicable_reason": "x"}, "not_applicable"),  # not excludable
        ("5.1.1.2", {"not_applicable": "on"}, "not_applicable_reason"),  # excluded without a reason
        ("5.2.4", {"sample_size": "3", "nonconforming_samples": "4"}, "nonconforming_samples"),
        ("5.2.4", {"nonconforming_samples": "1"}, "nonconforming_samples"),  # no samples given
        ("5.1.1.1", {"sample_size": "3"}, "sample_size"),  # not a sampled item
    ],
)
def test_bad_input_is_refused_per_field_and_changes_nothing(client, audit, lead, code, data, field):
    client.force_login(lead)
    response = save(client, audit, item(audit, code), **data)
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0]
    assert not ItemScore.objects.exists()


def test_points_above_max_error_names_the_maximum(client, audit, lead):
    client.force_login(lead)
    response = save(client, audit, item(audit, "5.1.1.1"), points="7")
    assert "6" in response.json()["errors"]["points"][0]


@pytest.mark.parametrize("status", [Audit.Status.PLANNED, Audit.Status.SUBMITTED, Audit.Status.CLOSED])
def test_a_locked_audit_refuses_with_409(client, make_audit, lead, status):
    audit = make_audit(status)
    client.force_login(lead)
    response = save(client, audit, item(audit, "5.1.1.1"), points="6")
    assert response.status_code == 409
    assert response.json()["errors"]["__all__"][0]
    assert not ItemScore.objects.exists()


def test_an_auditor_not_on_the_team_gets_404(client, audit):
    client.force_login(UserFactory(role="auditor"))
    assert save(client, audit, item(audit, "5.1.1.1"), points="6").status_code == 404
    assert not ItemScore.objects.exists()


def test_the_applicant_gets_404(client, audit, applicant):
    client.force_login(applicant)
    assert save(client, audit, item(audit, "5.1.1.1"), points="6").status_code == 404


def test_a_parent_indicator_cannot_be_scored(client, audit, lead):
    client.force_login(lead)
    assert save(client, audit, item(audit, "5.1.1"), points="6").status_code == 404


def test_an_indicator_of_another_set_is_404(client, audit, lead):
    other = audit.indicator_set.copy_as_new_version()
    client.force_login(lead)
    foreign = Indicator.objects.get(indicator_set=other, code="5.1.1.1")
    assert save(client, audit, foreign, points="6").status_code == 404


def test_get_is_not_allowed(client, audit, lead):
    client.force_login(lead)
    assert client.get(reverse("audits:save_item", args=[audit.pk, item(audit, "5.1.1.1").pk])).status_code == 405


def test_without_javascript_a_plain_post_redirects_back_to_the_item(client, audit, lead):
    indicator = item(audit, "5.1.1.1")
    client.force_login(lead)
    response = client.post(reverse("audits:save_item", args=[audit.pk, indicator.pk]), {"points": "5"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{indicator.pk}")
    assert ItemScore.objects.get().points == 5
    response = client.post(reverse("audits:save_item", args=[audit.pk, indicator.pk]), {"points": "9"}, follow=True)
    assert any("6" in str(m) for m in response.context["messages"])
    assert ItemScore.objects.get().points == 5


def test_csrf_is_enforced(audit, lead):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    assert save(client, audit, item(audit, "5.1.1.1"), points="6").status_code == 403
