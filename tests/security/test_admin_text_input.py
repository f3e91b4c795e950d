"""Every generated change form, inline and list form checks typed text."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin.users import UserAddForm, UserAdminForm
from accounts.models import User
from applications.models import FeeItem, FeeSchedule, Organization, ServiceCategory
from certportal.text import CheckedTextMixin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_data(response) -> dict:
    """The change page's forms as the browser would send them back unchanged (the page and each inline)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return data


def test_every_admin_that_adds_or_changes_gets_checked_forms():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    checked = []
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(request):
            assert issubclass(model_admin.get_form(request), CheckedTextMixin), model
            checked.append(model)
        if model_admin.has_change_permission(request):
            assert issubclass(model_admin.get_form(request, change=True), CheckedTextMixin), model
            if model_admin.list_editable:
                assert issubclass(model_admin.get_changelist_form(request), CheckedTextMixin), model
            checked.append(model)
        for inline in model_admin.get_inline_instances(request):
            if inline.has_add_permission(request, None) or inline.has_change_permission(request):
                assert issubclass(inline.get_formset(request).form, CheckedTextMixin), (model, inline)
    assert {Organization, FeeSchedule, ServiceCategory, User} <= set(checked)


def test_the_user_admin_keeps_its_own_forms():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    user_admin = admin.site._registry[type(request.user)]
    assert issubclass(user_admin.get_form(request), UserAddForm)
    assert issubclass(user_admin.get_form(request, request.user, change=True), UserAdminForm)


def test_an_organization_name_with_a_vertical_tab_is_refused_and_nothing_saved(client, administrator, organization):
    client.force_login(administrator)
    url = reverse("admin:applications_organization_change", args=[organization.pk])
    data = post_data(client.get(url))
    data["name"] = "Acme\x0bTrading"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "U+000B" in response.content.decode()
    assert response.context["adminform"].form.errors["name"]
    organization.refresh_from_db()
    assert "\x0b" not in organization.name


def test_the_organization_change_page_still_saves_clean_text(client, administrator, organization):
    client.force_login(administrator)
    url = reverse("admin:applications_organization_change", args=[organization.pk])
    data = post_data(client.get(url))
    data["name"] = "Acme Trading Co., Ltd."
    assert client.post(url, data).status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Acme Trading Co., Ltd."


def test_an_inline_fee_item_name_with_an_escape_is_refused_and_nothing_saved(client, administrator):
    item = FeeItem.objects.select_related("schedule").first()
    client.force_login(administrator)
    url = reverse("admin:applications_feeschedule_change", args=[item.schedule_id])
    data = post_data(client.get(url))
    field = next(key for key, value in data.items() if key.endswith("-name_en") and value == item.name_en)
    data[field] = "Audit\x1bfee"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "U+001B" in response.content.decode()
    item.refresh_from_db()
    assert "\x1b" not in item.name_en
