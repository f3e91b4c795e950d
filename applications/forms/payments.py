import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from certportal.text import CheckedTextMixin

from .. import uscc
from ..models import InvoiceRequest

TAXPAYER_ID = re.compile(r"^[0-9A-Z]{15,20}$")


class InvoiceRequestForm(CheckedTextMixin, forms.ModelForm):
    class Meta:
        model = InvoiceRequest
        fields = ["title", "taxpayer_id", "email"]
        help_texts = {
            "title": _("The buyer's name printed on the invoice (发票抬头), usually your organization name."),
            "taxpayer_id": _("纳税人识别号: for companies this is the unified social credit code."),
            "email": _("The electronic invoice is sent to this address."),
        }

    def clean_taxpayer_id(self):
        value = uscc.normalize(self.cleaned_data["taxpayer_id"])
        if not TAXPAYER_ID.match(value):
            raise ValidationError(_("A taxpayer identification number has 15 to 20 letters and digits."))
        if len(value) == 18:
            uscc.validate_uscc(value)
        return value
