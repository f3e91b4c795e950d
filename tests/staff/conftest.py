"""Helpers for the back-office tests: applications ready for review, and the admin URLs of each button."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from applications.models import Application, MaterialItem, ServiceCategory
from tests.factories import ApplicationFactory, AuditorProfileFactory, in_state, store_file

S = Application.Status


def with_files(application: Application, by) -> Application:
    """Upload a PDF for every required material (the items become "uploaded")."""
    for item in application.material_items.filter(material_type__required=True).select_related("material_type"):
        store_file(item, by=by)
    return application


def accept_all(application: Application, by) -> None:
    for item in application.material_items.filter(status=MaterialItem.Status.UPLOADED):
        item.accept(by=by)


def change_url(application: Application) -> str:
    return reverse("admin:applications_application_change", args=[application.pk])


def transition_url(application: Application, name: str) -> str:
    return reverse("admin:applications_application_transition", args=[application.pk, name])


def material_url(application: Application, item, decision: str) -> str:
    return reverse("admin:applications_application_material", args=[application.pk, item.pk, decision])


def payment_url(application: Application, payment, decision: str) -> str:
    return reverse("admin:applications_application_payment", args=[application.pk, payment.pk, decision])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def submitted(applicant, organization) -> Application:
    """A submitted application of the applicant's organization, every required material uploaded."""
    application = ApplicationFactory(
        organization=organization, created_by=applicant, status=S.SUBMITTED, submitted_at=timezone.now()
    )
    return with_files(application, applicant)


@pytest.fixture
def accepted(submitted, reviewer) -> Application:
    accept_all(submitted, reviewer)
    submitted.accept(by=reviewer)
    return submitted


@pytest.fixture
def paid(organization) -> Application:
    application = in_state(S.PAID, organization=organization, employee_count=30)
    application.categories.set(ServiceCategory.objects.filter(code="household_appliances"))
    return application


@pytest.fixture
def category():
    return ServiceCategory.objects.get(code="household_appliances")


@pytest.fixture
def qualified_auditor(category):
    return AuditorProfileFactory(competences=[category]).user


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture(autouse=True)
def english(client):
    """Staff pages, and the messages the tests read outside a request, in English here (zh-hans is the default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
