from .applications import STEPS, SelfCheckForm, SubmitForm, WithdrawForm, step_form_class
from .files import MaterialUploadForm, ReceiptUploadForm
from .organizations import AccessRequestForm, InvitationForm, OrganizationForm
from .payments import InvoiceRequestForm

__all__ = [
    "STEPS",
    "AccessRequestForm",
    "InvitationForm",
    "InvoiceRequestForm",
    "MaterialUploadForm",
    "OrganizationForm",
    "ReceiptUploadForm",
    "SelfCheckForm",
    "SubmitForm",
    "WithdrawForm",
    "step_form_class",
]
