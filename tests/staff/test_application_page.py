"""The application page: everything a reviewer needs on one screen, read-only, at a fixed query cost."""

import pytest

from applications.models import Application
from tests.factories import in_state, store_file
from tests.staff.conftest import change_url

pytestmark = pytest.mark.django_db
S = Application.Status


def test_the_page_shows_form_self_check_materials_timeline_quote(reviewer_client, reviewer, accepted):
    Application.objects.filter(pk=accepted.pk).update(
        self_check={"answers": {"legal_entity": "yes", "funding": "no"}, "answered_by": 1}
    )
    response = reviewer_client.get(change_url(accepted))
    assert response.status_code == 200
    html = response.content.decode()
    assert accepted.org_name in html and accepted.credit_code in html and "Fujian" in html
    assert "cp-selfcheck" in html
    for item in accepted.material_items.select_related("material_type"):
        assert item.material_type.name_en in html
    assert "v1 · business_licence.pdf" in html
    assert "Accepted, fee quoted" in html  # the timeline
    assert str(accepted.acceptance_quote.total.quantize(1)) in html.replace(",", "")
    assert accepted.payments.get().reference in html


def test_a_generic_self_check_is_readable_too(reviewer_client):
    application = in_state(S.SUBMITTED, self_check={"has_rules": True, "staff": 12, "notes": None})
    html = reviewer_client.get(change_url(application)).content.decode()
    assert "Has rules" in html and "12" in html


def test_the_page_says_what_comes_next(reviewer_client, paid):
    response = reviewer_client.get(change_url(paid))
    assert "plan the audit" in str(response.context["next_step"]).lower()


@pytest.mark.parametrize("versions", [1, 4])
def test_the_page_query_count_does_not_grow_with_files_and_history(
    reviewer_client, reviewer, applicant, submitted, versions, django_assert_max_num_queries
):
    for item in submitted.material_items.filter(material_type__required=True):
        for _ in range(versions - 1):
            store_file(item, by=applicant, content=b"x", name="x.pdf")
    for _ in range(versions):
        submitted.return_for_corrections(by=reviewer, reason="再改")
        submitted.submit(by=applicant)
    with django_assert_max_num_queries(18):
        assert reviewer_client.get(change_url(submitted)).status_code == 200
