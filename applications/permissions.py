"""Who may do what, in the applicant portal and in the back office. Small functions used by views and templates
alike, checked by every view, not only when drawing buttons.

Portal views first fetch through `visible_to(user)` (another organization's object is a 404); these functions then
decide about the action, given that the user can see the object.
"""

from .models import Application, InvoiceRequest, MaterialFile, MaterialItem, Membership, Organization, Payment
from .models.members import joining_refusal


def membership_of(user) -> Membership | None:
    if not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def is_member(user, organization: Organization) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.organization_id == organization.pk


def is_owner(user, organization: Organization) -> bool:
    membership = membership_of(user)
    return membership is not None and is_member(user, organization) and membership.role == Membership.Role.OWNER


def can_use_portal(user) -> bool:
    """Staff work in the admin. (Checked on every portal page, so it reads only the user row; that auditors and
    staff never create or join an organization is checked where they would: `can_create_organization`.)"""
    return user.is_authenticated and not user.is_staff


def can_create_organization(user) -> bool:
    """Register an organization or ask an owner for access: for an account in no organization yet that is not
    one of the certification body's people (impartiality, design.md §3.1; why not, in words: `joining_refusal`)."""
    return can_use_portal(user) and membership_of(user) is None and not joining_refusal(user)


def can_manage_organization(user, organization: Organization) -> bool:
    """Edit the profile, invite colleagues, answer access requests."""
    return is_owner(user, organization)


def can_start_application(user, organization: Organization) -> bool:
    """One certification process at a time: a new application only when none is open."""
    return is_member(user, organization) and not organization.applications.open().exists()


def can_edit_application(user, application: Application) -> bool:
    return is_member(user, application.organization) and application.is_editable


def can_submit(user, application: Application) -> bool:
    return application.offers("submit", user)


def can_withdraw(user, application: Application) -> bool:
    return application.offers("withdraw", user)


def can_upload_material(user, item: MaterialItem) -> bool:
    """New versions while the applicant holds the application; an accepted item stays as accepted
    (MaterialItem.WORKFLOW "upload": its from-states, actor and guard)."""
    return item.may("upload", user)


def can_download_material_file(user, material_file: MaterialFile) -> bool:
    """The applicant's own people, and staff allowed to see material files (the admin links here)."""
    return is_member(user, material_file.item.application.organization) or can_download_materials(user)


def can_download_receipt(user, payment: Payment) -> bool:
    return is_member(user, payment.application.organization) or can_download_receipts(user)


def can_upload_receipt(user, payment: Payment) -> bool:
    return payment.offers("upload_receipt", user)


def can_pay_online(user, payment: Payment) -> bool:
    return is_member(user, payment.application.organization) and payment.status in {
        Payment.Status.PENDING,
        Payment.Status.REJECTED,
    }


def can_request_invoice(user, payment: Payment, current: InvoiceRequest | None) -> bool:
    """A member asks for the payment's invoice, or corrects the request while it waits; once issued, the invoice
    is changed only by voiding it (红冲, staff), after which a new request may be made. `current` is the payment's
    latest request."""
    if not is_member(user, payment.application.organization) or payment.status == Payment.Status.REFUNDED:
        return False
    return current is None or current.status != InvoiceRequest.Status.ISSUED


def can_download_invoice(user, invoice: InvoiceRequest) -> bool:
    """The organization's people download their issued e-invoice (staff use the admin)."""
    return is_member(user, invoice.payment.application.organization) and invoice.status == InvoiceRequest.Status.ISSUED


# --- the back office (design.md §3): staff review applications, materials and payments in the Django admin ------

REVIEW = "applications.review_application"
CONFIRM_PAYMENT = "applications.confirm_payment"
PLAN_AUDIT = "audits.plan_audit"  # a permission name only: applications never imports audits


def can_review(user) -> bool:
    """Accept, return or refuse applications, and accept or reject their materials (reviewers)."""
    return user.has_perm(REVIEW)


def can_confirm_payment(user) -> bool:
    return user.has_perm(CONFIRM_PAYMENT)


def can_issue_invoice(user) -> bool:
    """Issue, upload and void e-invoices, and download the monthly finance report: staff who confirm payments."""
    return user.is_authenticated and user.is_active and user.is_staff and user.has_perm(CONFIRM_PAYMENT)


def can_plan_audit(user) -> bool:
    return user.has_perm(PLAN_AUDIT)


def can_download_materials(user) -> bool:
    """Any application's material files, from the back office."""
    return user.is_active and user.is_staff and user.has_perm("applications.view_materialfile")


def can_download_receipts(user) -> bool:
    """Any payment's receipt, from the back office."""
    return user.is_active and user.is_staff and user.has_perm("applications.view_payment")


def can_export(user) -> bool:
    return user.has_perm("applications.view_application")
