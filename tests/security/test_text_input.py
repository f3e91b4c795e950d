"""Typed text refuses control characters, and line breaks outside multi-line fields."""

import importlib
import pkgutil

import pytest
from django import forms
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from applications.forms import OrganizationForm, WithdrawForm
from applications.models import Application, Invitation, Organization
from certportal.text import CheckedTextMixin, check_text
from tests.factories import in_state

pytestmark = pytest.mark.django_db
S = Application.Status

# One of each kind the validator refuses (certportal/text.py), each in the middle of the text: NUL, vertical tab,
# escape, DEL, the C1 next-line, the line and paragraph separators, a bidirectional override, the byte-order mark.
BAD = ["\x00", "\x0b", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u202e", "\ufeff"]
PROJECT_PACKAGES = ["accounts", "applications", "audits", "certificates", "certportal"]
# Forms whose only text is a one-time code checked against the authenticator and never stored or shown.
EXEMPT = {
    "accounts.mfa_forms.LockMixin",
    "accounts.mfa_forms.AuthenticateForm",
    "accounts.mfa_forms.ReauthenticateForm",
}


def _import_everything():
    for package in PROJECT_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            if ".migrations" not in info.name and not info.name.endswith(("wsgi", "celery", "settings_test")):
                importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_form_classes() -> set[type]:
    _import_everything()
    return {
        cls
        for cls in _subclasses(forms.BaseForm)
        if cls.__module__.split(".")[0] in PROJECT_PACKAGES and cls is not CheckedTextMixin
    }


def test_every_form_of_the_project_checks_its_text():
    found = project_form_classes()
    assert len(found) >= 30  # the walk really found the forms (a broken walk would pass vacuously)
    names = {f"{cls.__module__}.{cls.__qualname__}": cls for cls in found}
    missing = sorted(
        name for name, cls in names.items() if name not in EXEMPT and not issubclass(cls, CheckedTextMixin)
    )
    assert missing == [], missing


@pytest.mark.parametrize("char", BAD)
def test_each_refused_character_is_named_in_the_error(char):
    form = WithdrawForm({"reason": f"too{char}late", "confirm": "on"})
    with translation.override("en"):
        assert not form.is_valid()
    *others, error = form.errors.as_data()["reason"]
    if char == "\x00":  # Django's own ProhibitNullCharactersValidator speaks too
        assert [e.code for e in others] == ["null_characters_not_allowed"]
    with translation.override("en"):
        assert error.code == "control_character"
        assert "Why do you withdraw the application?" in " ".join(error)
        assert f"U+{ord(char):04X}" in " ".join(error)


def test_a_newline_is_kept_in_a_textarea_as_lf_and_refused_in_a_single_line_field():
    form = WithdrawForm({"reason": "first\r\nsecond\rthird", "confirm": "on"})
    assert form.is_valid()
    assert form.cleaned_data["reason"] == "first\nsecond\nthird"
    with translation.override("en"), pytest.raises(forms.ValidationError, match="single line"):
        check_text("a\nb", label="Name", multiline=False)
    with translation.override("en"), pytest.raises(forms.ValidationError, match="single line"):
        check_text("a\tb", label="Name", multiline=False)
    check_text("a\tb\nc", label="Notes", multiline=True)


def _organization_post(organization, **changes):
    data = OrganizationForm(instance=organization).initial | changes
    return {k: v for k, v in data.items() if k != "credit_code"}


@pytest.fixture
def en_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("char", BAD)
def test_the_portal_organization_profile_refuses_each_character_and_saves_nothing(
    en_client, applicant, organization, char
):
    en_client.force_login(applicant)
    before = organization.name
    response = en_client.post(
        reverse("applications:edit_organization"), _organization_post(organization, name=f"Acme{char}Ltd")
    )
    assert response.status_code == 200
    assert "Organization name (as on the business licence)" in str(response.context["form"].errors["name"])
    organization.refresh_from_db()
    assert organization.name == before


def test_the_portal_accepts_a_newline_in_a_textarea_only(en_client, applicant, organization):
    en_client.force_login(applicant)
    url = reverse("applications:edit_organization")
    response = en_client.post(url, _organization_post(organization, service_outlets="思明\r\n湖里", name="A\r\nB"))
    assert response.status_code == 200 and "single line" in str(response.context["form"].errors["name"])
    organization.refresh_from_db()
    assert organization.service_outlets != "思明\n湖里"
    assert en_client.post(url, _organization_post(organization, service_outlets="思明\r\n湖里")).status_code == 302
    organization.refresh_from_db()
    assert organization.service_outlets == "思明\n湖里"


def test_a_line_break_in_the_organization_name_never_reaches_the_invitation_e_mail(
    en_client, applicant, organization, django_capture_on_commit_callbacks
):
    en_client.force_login(applicant)
    hostile = "Acme\r\nBcc: victim@example.com"
    en_client.post(reverse("applications:edit_organization"), _organization_post(organization, name=hostile))
    assert Organization.objects.get(pk=organization.pk).name != hostile
    with django_capture_on_commit_callbacks(execute=True):
        response = en_client.post(reverse("applications:invite"), {"email": "colleague@example.com"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject and "Bcc" not in message.subject
    assert message.recipients() == ["colleague@example.com"]
    response = en_client.post(reverse("applications:invite"), {"email": "x@example.com\r\nBcc: victim@example.com"})
    assert Invitation.objects.count() == 1


def test_the_withdraw_reason_refuses_an_escape_and_the_application_stays(en_client, applicant, organization):
    application = in_state(S.DRAFT, organization=organization, created_by=applicant)
    en_client.force_login(applicant)
    url = reverse("applications:withdraw", args=[application.pk])
    response = en_client.post(url, {"reason": "bye\x1b[2J", "confirm": "on"})
    assert response.status_code == 200 and "U+001B" in str(response.context["form"].errors["reason"])
    application.refresh_from_db()
    assert application.status == S.DRAFT


@pytest.mark.parametrize("char", BAD)
def test_an_admin_reason_refuses_each_character_and_nothing_changes(client, reviewer, organization, char):
    application = in_state(S.SUBMITTED, organization=organization)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(reviewer)
    url = reverse("admin:applications_application_transition", args=[application.pk, "return"])
    response = client.post(url, {"expected_status": "submitted", "reason": f"fix{char}it"}, follow=True)
    assert any(f"U+{ord(char):04X}" in str(m) for m in response.context["messages"])
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and not application.status_changes.exists()


def test_an_admin_reason_keeps_its_line_breaks(client, reviewer, organization):
    application = in_state(S.SUBMITTED, organization=organization)
    client.force_login(reviewer)
    url = reverse("admin:applications_application_transition", args=[application.pk, "return"])
    client.post(url, {"expected_status": "submitted", "reason": "1. licence\r\n2. seal"})
    application.refresh_from_db()
    assert application.status == S.RETURNED
    assert application.status_changes.get().reason == "1. licence\n2. seal"
