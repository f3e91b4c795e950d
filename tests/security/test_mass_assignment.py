"""Mass assignment (ASVS 5.0 15.3.3): no form people fill in takes the organization, a status, an owner, a score
or a grade (or who did something) from the request; the server sets those."""

import importlib
import inspect

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from applications.forms import STEPS, step_form_class
from applications.models import Application
from tests.factories import OrganizationFactory, in_state

from .world import build

pytestmark = pytest.mark.django_db

FORBIDDEN = {
    "organization",
    "status",
    "owner",
    "score",
    "grade",
    "role",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "user",
    "created_by",
    "uploaded_by",
    "submitted_by",
    "raised_by",
    "verified_by",
    "responded_by",
    "requested_by",
    "application",
    "audit",
    "payment",
    "sha256",
}
# Every module with forms that applicants, auditors or the public fill in.
FORM_MODULES = [
    "accounts.forms",
    "applications.forms.applications",
    "applications.forms.files",
    "applications.forms.organizations",
    "applications.forms.payments",
    "audits.forms",
    "certificates.views.public",
    "certificates.views.holder",
]
# Not walked: certificates.admin.casefile.DecisionForm, where a decision-maker chooses the certificate grade,
# at most the computed one; that choice is the decision itself.


# Models whose "status" field is not a workflow state: a notification's is the new status it announced.
NOT_WORKFLOW_STATUS = {"applications.Notification"}


def portal_forms() -> list[type[forms.BaseForm]]:
    found = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _attr, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == name and value is not forms.BaseForm:
                found.append(value)
    return found + [step_form_class(step) for step in STEPS]


def editable_fields(form_class) -> set[str]:
    return {name for name, field in form_class.base_fields.items() if not field.disabled}


def test_the_walk_finds_the_forms():
    names = {form.__name__ for form in portal_forms()}
    expected = {"SignupForm", "OrganizationForm", "MaterialUploadForm", "ReceiptUploadForm", "InvoiceRequestForm"}
    assert expected | {"ItemScoreForm", "NonconformityForm", "RespondForm", "DeliveryForm"} <= names
    assert len(portal_forms()) >= 20


@pytest.mark.parametrize("form_class", portal_forms(), ids=lambda f: f.__name__)
def test_no_portal_form_takes_server_owned_fields(form_class):
    assert not editable_fields(form_class) & FORBIDDEN


def test_the_application_step_forms_keep_the_credit_code_read_only():
    form_class = step_form_class(STEPS[0])
    assert form_class().fields["credit_code"].disabled


def test_the_admin_never_edits_status_score_or_grade_directly(administrator):
    """Status changes are transitions (admin actions calling the model methods); scores and grades are computed."""
    request = RequestFactory().get("/admin/")
    request.user = administrator
    offenders = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.label in NOT_WORKFLOW_STATUS:
            continue
        names = {f.name for f in model._meta.get_fields()}
        watched = names & {"status", "score", "grade"}
        if not watched or not model_admin.has_change_permission(request):
            continue
        obj = model._default_manager.first()
        form = model_admin.get_form(request, obj, change=obj is not None)
        editable = {n for n, f in form.base_fields.items() if not f.disabled} & watched
        if editable:
            offenders.append(f"{model._meta.label}: {sorted(editable)}")
    assert not offenders, offenders


def test_posted_server_fields_are_ignored(client):
    world = build()
    client.force_login(world.a.owner)
    other = OrganizationFactory()
    application = world.a.draft
    client.post(
        reverse("applications:edit", args=[application.pk, "organization"]),
        {
            "org_name": "新名称有限公司",
            "address": "北京",
            "legal_representative": "张三",
            "employee_count": 9,
            "status": "certified",
            "organization": other.pk,
            "score": "100",
            "grade": "five_star",
            "credit_code": other.credit_code,
        },
    )
    application.refresh_from_db()
    assert application.org_name == "新名称有限公司"  # the step was saved …
    assert application.status == Application.Status.DRAFT  # … and nothing else
    assert application.organization == world.a.organization
    assert application.credit_code == world.a.organization.credit_code
    assert application.score is None and application.grade == ""

    client.post(
        reverse("applications:edit_organization"),
        {"name": "改名公司", "status": "x", "credit_code": other.credit_code, "employee_count": 3},
    )
    world.a.organization.refresh_from_db()
    assert world.a.organization.credit_code != other.credit_code


def test_an_item_score_form_takes_points_not_the_audit(client):
    world = build()
    audit = world.a.audit
    leaf = audit.indicator_set.leaves().order_by("order").first()
    other = in_state(Application.Status.AUDIT_PLANNED)
    client.force_login(world.a.lead)
    client.post(
        reverse("audits:save_item", args=[audit.pk, leaf.pk]),
        {"points": str(leaf.max_points), "audit": other.pk, "score": "100", "grade": "five_star"},
    )
    audit.refresh_from_db()
    assert audit.score is None and audit.grade == ""
    assert audit.scores.get(indicator=leaf).audit_id == audit.pk
