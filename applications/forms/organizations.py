from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from certportal.text import CheckedTextMixin

from .. import uscc
from ..models import Organization


class CreditCodeFormField(forms.CharField):
    """Accepts the code as people type it (spaces, full-width characters) and validates it normalised."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("label", _("Unified social credit code (统一社会信用代码)"))
        kwargs.setdefault(
            "help_text", _("The 18 characters printed on your business licence, e.g. 91350100M000100Y43.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})

    def clean(self, value):
        value = uscc.normalize(super().clean(value) or "")
        if value:
            uscc.validate_uscc(value)
        return value


class OrganizationForm(CheckedTextMixin, forms.ModelForm):
    credit_code = CreditCodeFormField()

    class Meta:
        model = Organization
        fields = [
            "name",
            "credit_code",
            "address",
            "legal_representative",
            "employee_count",
            "product_categories",
            "service_outlets",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        labels = {"name": _("Organization name (as on the business licence)")}
        help_texts = {
            "employee_count": _("All employees; the audit effort (man-days) and the fee depend on it."),
            "product_categories": _("What you sell or service, e.g. household appliances: air conditioners, fridges."),
        }
        widgets = {
            "product_categories": forms.Textarea(attrs={"rows": 2}),
            "service_outlets": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate_code = ""
        for name in ("address", "legal_representative", "employee_count", "contact_name", "contact_phone"):
            self.fields[name].required = True
        self.fields["employee_count"].widget.attrs["min"] = 1  # the model field validates it
        if self.instance.pk:  # the code identifies the organization; staff correct it if it was mistyped
            self.fields["credit_code"].disabled = True
            self.fields["credit_code"].help_text = _("To correct the credit code, please contact us.")

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"]
        if Organization.objects.filter(credit_code=code).exclude(pk=self.instance.pk).exists():
            self.duplicate_code = code
            raise ValidationError(
                _("An organization with this credit code is already registered in the portal."), code="duplicate"
            )
        return code


class InvitationForm(CheckedTextMixin, forms.Form):
    email = forms.EmailField(
        label=_("Colleague's e-mail address"),
        help_text=_("They receive a link to join your organization as a member."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class AccessRequestForm(CheckedTextMixin, forms.Form):
    credit_code = CreditCodeFormField(widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message to the owner (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say who you are, so the owner recognises you."),
    )
