"""Who may do what in the back office (design.md §3). Checked by every view, not only when drawing buttons."""

REVIEW = "applications.review_application"
CONFIRM_PAYMENT = "applications.confirm_payment"
PLAN_AUDIT = "audits.plan_audit"  # a permission name only: applications never imports audits


def can_review(user) -> bool:
    """Accept, return or refuse applications, and accept or reject their materials (reviewers)."""
    return user.has_perm(REVIEW)


def can_confirm_payment(user) -> bool:
    return user.has_perm(CONFIRM_PAYMENT)


def can_plan_audit(user) -> bool:
    return user.has_perm(PLAN_AUDIT)


def can_download_material(user) -> bool:
    return user.has_perm("applications.view_materialfile")


def can_download_receipt(user) -> bool:
    return user.has_perm("applications.view_payment")


def can_export(user) -> bool:
    return user.has_perm("applications.view_application")
