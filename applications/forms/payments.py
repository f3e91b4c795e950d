import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from certportal.text import CheckedTextMixin

from .. import uscc
from ..models import InvoiceRequest

TAXPAYER_ID = re.compile(r"^[0-9A-Z]{15,20}$")
BANK_ACCOUNT = re.compile(r"^[0-9]{8,30}$")


class InvoiceRequestForm(CheckedTextMixin, forms.ModelForm):
    """What the buyer's fapiao carries (开票信息). A special VAT invoice needs the registered address, telephone,
    bank and account number as well (docs/domain.md "Invoices")."""

    class Meta:
        model = InvoiceRequest
        fields = ["kind", "title", "taxpayer_id", "email", "address", "phone", "bank_name", "bank_account"]
        widgets = {"kind": forms.RadioSelect}
        help_texts = {
            "title": _("The buyer's name printed on the invoice (发票抬头), usually your organization name."),
            "taxpayer_id": _("纳税人识别号: for companies this is the unified social credit code."),
            "email": _("The electronic invoice is sent to this address."),
            "address": _("Required for a special VAT invoice, as registered with the tax office."),
            "phone": _("Required for a special VAT invoice."),
            "bank_name": _("Required for a special VAT invoice: the bank where the account is held (开户行)."),
            "bank_account": _("Required for a special VAT invoice."),
        }

    def clean_taxpayer_id(self):
        value = uscc.normalize(self.cleaned_data["taxpayer_id"])
        if not TAXPAYER_ID.match(value):
            raise ValidationError(_("A taxpayer identification number has 15 to 20 letters and digits."))
        if len(value) == 18:
            uscc.validate_uscc(value)
        return value

    def clean_bank_account(self):
        value = "".join(self.cleaned_data["bank_account"].split())  # banks print account numbers in groups
        if value and not BANK_ACCOUNT.match(value):
            raise ValidationError(_("A bank account number has 8 to 30 digits."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("kind") == InvoiceRequest.Kind.SPECIAL:
            for name in InvoiceRequest.SPECIAL_FIELDS:
                if name in data and not str(data[name]).strip():
                    self.add_error(name, _("A special VAT invoice needs this."))
        return data
