"""The five roles of design.md §3, as Django groups with the permissions each one needs.

`sync_role_groups(apps)` is called from data migrations, so it only uses the `apps` registry it is given.
"""

from django.utils.translation import gettext_lazy as _

APPLICANT = "applicant"
REVIEWER = "reviewer"
AUDITOR = "auditor"
DECISION_MAKER = "decision_maker"
ADMINISTRATOR = "administrator"

LABELS = {
    APPLICANT: _("Applicant"),
    REVIEWER: _("Reviewer"),
    AUDITOR: _("Auditor"),
    DECISION_MAKER: _("Decision-maker"),
    ADMINISTRATOR: _("Administrator"),
}
# Roles that work in the Django admin (they get is_staff).
STAFF_ROLES = {REVIEWER, DECISION_MAKER, ADMINISTRATOR}
# The certification body's own people: they never belong to an applicant organization (design.md §3.1).
BODY_ROLES = STAFF_ROLES | {AUDITOR}

_VIEW_ALL = [
    "accounts.view_user",
    "applications.view_organization",
    "applications.view_membership",
    "applications.view_application",
    "applications.view_applicationstatuschange",
    "applications.view_materialtype",
    "applications.view_materialitem",
    "applications.view_materialfile",
    "applications.view_feeschedule",
    "applications.view_feeitem",
    "applications.view_mandayrule",
    "applications.view_quote",
    "applications.view_payment",
    "audits.view_indicatorset",
    "audits.view_indicator",
    "audits.view_audit",
    "audits.view_auditteammember",
    "audits.view_itemscore",
    "audits.view_specialfinding",
    "audits.view_nonconformity",
    "certificates.view_decision",
    "certificates.view_certificate",
    "certificates.view_certificatestatuschange",
    "certificates.view_surveillancereview",
    "certificates.view_casefile",
    "certificates.view_decisiondossier",
    "certificates.view_surveillancereminder",
    "certificates.view_recertificationreminder",
    "applications.view_servicecategory",
    "applications.view_invoicerequest",
    "applications.view_paymentevent",
    "audits.view_auditorprofile",
    "audits.view_conflictofinterest",
    "audits.view_auditphoto",
    "audits.view_correctiveaction",
    "audits.view_evidencefile",
]

PERMISSIONS = {
    APPLICANT: [],
    REVIEWER: _VIEW_ALL
    + [
        "applications.review_application",
        "applications.change_materialitem",
        "applications.confirm_payment",
        "audits.plan_audit",
        "audits.add_audit",
        "audits.change_audit",
        "certificates.change_certificate",
        "certificates.change_surveillancereview",
    ],
    AUDITOR: ["audits.conduct_audit"],
    DECISION_MAKER: _VIEW_ALL + ["certificates.decide_application"],
    ADMINISTRATOR: "__all__",
}


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser and role == ADMINISTRATOR:
        return True
    return user.groups.filter(name=role).exists()


def works_for_the_body(user) -> bool:
    """Staff, auditors, decision-makers and administrators (by flag or by role)."""
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=BODY_ROLES).exists()


def sync_role_groups(apps, schema_editor=None) -> None:
    """Create the role groups and give each exactly the permissions listed above."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        if wanted == "__all__":
            perms = Permission.objects.all()
        else:
            # A permission of a model that a later migration creates does not exist yet when an early data
            # migration runs; the post-migrate re-sync gives it once the model exists.
            perms = [
                perm
                for dotted in wanted
                for perm in Permission.objects.filter(
                    content_type__app_label=dotted.split(".")[0], codename=dotted.split(".")[1]
                )
            ]
        group.permissions.set(perms)
