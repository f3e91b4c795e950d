from dataclasses import dataclass
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError

from .. import selfcheck
from ..models import Application, ServiceCategory


@dataclass(frozen=True)
class Step:
    slug: str
    title: Promise
    intro: Promise
    fields: tuple


STEPS = [
    Step(
        "organization",
        _("Organization"),
        _("The organization as it appears on the application form. It was copied from your organization profile."),
        ("org_name", "credit_code", "address", "legal_representative", "employee_count"),
    ),
    Step(
        "scope",
        _("Scope"),
        _("What the certification should cover: the kinds of products and services, and where you serve customers."),
        ("categories", "scope", "service_outlets"),
    ),
    Step(
        "commitments",
        _("Service commitments"),
        _("The promises you make to customers after the sale. The audit checks that you keep them."),
        ("service_commitments",),
    ),
    Step(
        "contacts",
        _("Contacts"),
        _("Who we contact about this application."),
        ("contact_name", "contact_phone", "contact_email"),
    ),
]

HELP_TEXTS = {
    "org_name": _("Exactly as on the business licence."),
    "employee_count": _("All employees; the audit effort (man-days) and the fee depend on it."),
    "categories": _("Choose at least one. This decides which auditors can audit you."),
    "scope": _("For example “Sale, installation and repair of household air conditioners”."),
    "service_outlets": _("One outlet per line: name and address. Leave empty if you serve customers only remotely."),
    "service_commitments": _(
        "For example: warranty period, response and on-site times, spare-part availability, complaint handling."
    ),
    "contact_phone": _("A number where the contact person can be reached during office hours."),
}


class ApplicationStepForm(CheckedTextMixin, forms.ModelForm):
    """One step of the application form. Every field may stay empty in a draft; submit checks completeness."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            if name in HELP_TEXTS:
                field.help_text = HELP_TEXTS[name]
        if "credit_code" in self.fields:
            self.fields["credit_code"].disabled = True  # it identifies the organization
        if "employee_count" in self.fields:
            self.fields["employee_count"].validators.append(MinValueValidator(1))
            self.fields["employee_count"].widget.attrs["min"] = 1
        if "categories" in self.fields:
            cast(forms.ModelMultipleChoiceField, self.fields["categories"]).queryset = ServiceCategory.objects.filter(
                is_active=True
            )

    def save(self, commit=True):
        """Save only this step's fields, and only while the applicant may still edit the application."""
        with transaction.atomic():
            status = Application.objects.select_for_update().values_list("status", flat=True).get(pk=self.instance.pk)
            if status not in Application.EDITABLE_STATES:
                raise TransitionError(gettext("This application can no longer be changed."))
            names = [n for n, field in self.fields.items() if n != "categories" and not field.disabled]
            if names:
                self.instance.save(update_fields=names)
            self._save_m2m()  # type: ignore[attr-defined]  # ModelForm's own m2m step, left out of django-stubs
        return self.instance


def step_form_class(step: Step) -> type[ApplicationStepForm]:
    widgets: dict[str, type[forms.Widget] | forms.Widget] = {
        "categories": forms.CheckboxSelectMultiple,
        "scope": forms.Textarea(attrs={"rows": 3}),
        "service_outlets": forms.Textarea(attrs={"rows": 4}),
        "service_commitments": forms.Textarea(attrs={"rows": 6}),
    }
    form_class = forms.modelform_factory(Application, form=ApplicationStepForm, fields=step.fields, widgets=widgets)
    return cast(type[ApplicationStepForm], form_class)  # a subclass of the form it was given


class SelfCheckForm(CheckedTextMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in selfcheck.QUESTIONS:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                help_text=question.help,
                choices=selfcheck.ANSWER_CHOICES,
                widget=forms.RadioSelect,
            )


class SubmitForm(CheckedTextMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm that the information in this application is true and complete."),
        error_messages={"required": _("Please confirm that the information is true and complete.")},
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application

    def clean(self):
        cleaned = super().clean()
        if not self.application.categories.exists():
            raise ValidationError(_("Choose at least one product or service category (step “Scope”)."))
        return cleaned


class WithdrawForm(CheckedTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the application?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The certification body sees this reason."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that a withdrawn application cannot be resumed."),
        error_messages={"required": _("Please confirm that you want to withdraw.")},
    )
