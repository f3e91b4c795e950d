"""Inputs without a <label> (inline tables, editable lists, the two inputs of a date
and time) are named by aria-label in the page's language, the search box is named, and no link is empty."""

import re

import pytest

from applications.models import FeeSchedule, ServiceCategory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def tag(html: str, element_id: str) -> str:
    found = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{element_id}"[^>]*>', html)
    assert found, element_id
    return found.group(0)


def test_an_editable_list_names_its_inputs_by_their_column(superuser_client):
    assert ServiceCategory.objects.exists()
    html = superuser_client.get("/admin/applications/servicecategory/").content.decode()
    assert 'aria-label="Order"' in tag(html, "id_form-0-order")
    assert 'aria-label="Active"' in tag(html, "id_form-0-is_active")
    assert 'type="hidden"' in tag(html, "id_form-0-id") and "aria-label" not in tag(html, "id_form-0-id")


def test_an_inline_table_names_its_inputs_in_the_pages_language(superuser_client):
    schedule = FeeSchedule.objects.filter(items__isnull=False).first()
    url = f"/admin/applications/feeschedule/{schedule.pk}/change/"
    english = superuser_client.get(url).content.decode()
    assert 'aria-label="Code"' in tag(english, "id_items-0-code")
    assert 'aria-label="Basis"' in tag(english, "id_items-0-basis")
    assert 'aria-label="Delete"' in tag(english, "id_items-0-DELETE")  # added by the formset, not the form
    chinese = superuser_client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert 'aria-label="代码"' in tag(chinese, "id_items-0-code")


def test_the_date_and_the_time_of_a_moment_are_named_apart(superuser_client):
    user = UserFactory()
    html = superuser_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'aria-label="Date joined: Date"' in tag(html, "id_date_joined_0")
    assert 'aria-label="Date joined: Time"' in tag(html, "id_date_joined_1")
    # the read-only password summary is a <div>, which may not carry an aria-label
    assert not re.search(r"<div[^>]*aria-label", html)


def test_the_search_box_has_a_name(superuser_client):
    html = superuser_client.get("/admin/applications/application/").content.decode()
    assert 'aria-label="Search"' in tag(html, "searchbar")


def test_staff_pages_load_the_script_that_names_the_browser_built_widgets(superuser_client):
    html = superuser_client.get("/admin/audits/auditorprofile/add/").content.decode()
    assert re.search(r'<script src="[^"]*js/staff-admin\.js" defer>', html)
