from django import forms
from django.utils.translation import gettext_lazy as _

from certportal.text import CheckedTextMixin


class SignupForm(CheckedTextMixin, forms.Form):
    """Fields allauth adds to its sign-up form (e-mail and password come from allauth itself)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=100,
        help_text=_("How we address you in e-mails, e.g. 王小明."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["full_name"]

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])
