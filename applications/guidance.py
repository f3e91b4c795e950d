"""What happens next, in words an applicant understands: one sentence per status, and whose move it is."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Application, Payment

S = Application.Status
YOU, US, NOBODY = "you", "us", "nobody"


@dataclass(frozen=True)
class NextStep:
    who: str  # YOU: the applicant must act; US: the certification body is working; NOBODY: closed
    text: Promise


NEXT_STEPS: dict[str, NextStep] = {
    S.DRAFT: NextStep(YOU, _("Complete the form, upload the required materials, then submit the application.")),
    S.SUBMITTED: NextStep(
        US, _("We check your application and materials. If anything is missing, we return it with an explanation.")
    ),
    S.RETURNED: NextStep(
        YOU, _("Correct what the reviewer asked for (see the reason and the rejected materials), then submit again.")
    ),
    S.ACCEPTED: NextStep(
        YOU, _("Your application is accepted. Pay the quoted fee by bank transfer and upload the receipt.")
    ),
    S.PAID: NextStep(US, _("The fee is paid. We are planning the on-site audit and will tell you the dates.")),
    S.AUDIT_PLANNED: NextStep(
        YOU, _("Prepare for the on-site audit: documents, service records and the staff to be interviewed.")
    ),
    S.AUDIT_REPORTED: NextStep(US, _("The audit report is in. We check whether corrective actions are needed.")),
    S.CORRECTIVE_ACTION: NextStep(
        YOU, _("Correct the nonconformities found in the audit by their due dates; the audit team verifies them.")
    ),
    S.AWAITING_DECISION: NextStep(US, _("An independent decision-maker reviews the audit and decides.")),
    S.CERTIFIED: NextStep(
        NOBODY, _("Certified. Surveillance audits at least every 12 months keep the certificate valid.")
    ),
    S.REFUSED: NextStep(NOBODY, _("The application was refused (see the reason). You may apply again later.")),
    S.WITHDRAWN: NextStep(NOBODY, _("The application was withdrawn. You can start a new application at any time.")),
}

PAYMENT_STEPS: dict[str, NextStep] = {
    Payment.Status.RECEIPT_UPLOADED: NextStep(US, _("We are checking your transfer receipt.")),
    Payment.Status.REJECTED: NextStep(YOU, _("Your transfer receipt was rejected (see the reason). Upload a new one.")),
}


def next_step(application: Application, *, payment_status: str = "") -> NextStep:
    """The next step; while the fee is open, the payment's own state decides whose move it is."""
    if application.status == S.ACCEPTED and payment_status in PAYMENT_STEPS:
        return PAYMENT_STEPS[payment_status]
    return NEXT_STEPS[application.status]
