"""The entries of the cross-organization URL matrix: one per URL pattern of the project.

Kinds (what the matrix checks for each, with GET and POST):
  PUBLIC  anyone may use it (the public pages, allauth's sign-in/sign-up/password-reset, signed callbacks);
  LOGIN   needs a signed-in user, shows nothing of an organization (account pages, MFA, blank templates);
  OWN     the signed-in user's own data: a user of B sees none of A's (A's names, codes, references);
  ORG     one of A's objects: a user of B, and an auditor not assigned to A, get 404;
  TEAM    one of A's audits for its team: A's own people, B's people and B's auditor get 404;
  TOKEN   a link that is itself the credential (an invitation): B's user may look but cannot use it for A;
  ADMIN   the Django admin: anonymous users and non-staff go to the admin's sign-in.
The standard ModelAdmin pages of every registered model are generated from the admin registry; any other
pattern without an entry here fails the test.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse

from applications.models import Application

from .world import World, sandbox_token

PUBLIC, LOGIN, OWN, ORG, TEAM, TOKEN, ADMIN = "public", "login", "own", "org", "team", "token", "admin"


@dataclass(frozen=True)
class Entry:
    kind: str
    kwargs: Callable[[World], dict] | None = None  # URL arguments (A's objects)
    args: Callable[[World], list] | None = None  # positional arguments (regex patterns)
    path: Callable[[World], str] | None = None  # unnamed patterns: the path itself
    control: str = "owner_a"  # who legitimately uses it: must not get 403/404/405/5xx
    control_method: str = "GET"
    refused: tuple = ()  # signed-in personas refused by role (403 or sent away), e.g. reviewers on decisions
    unchanged: Callable[[World], bool] | None = None  # for OWN/ORG pages that answer 302 whatever the pk
    control_status: tuple = ()  # statuses the control may get besides success (e.g. 403 on a disabled "add")

    def url(self, world: World, name: str, missing: bool = False) -> str:
        """The URL for A's object; with missing=True, the same URL for ids that exist nowhere."""
        if self.path is not None:
            return self.path(world)
        kwargs = self.kwargs(world) if self.kwargs else None
        if kwargs and missing:
            kwargs = {key: 987654 if isinstance(value, int) else value for key, value in kwargs.items()}
        return reverse(name, kwargs=kwargs, args=self.args(world) if self.args else None)


def pk(getter):
    return lambda w: {"pk": getter(w).pk}


def _leaf(w):
    return w.a.audit.indicator_set.leaves().order_by("order").first()


def _online_order(w, provider="wechat"):
    from tests.factories import OnlineOrderFactory

    existing = w.a.payment.online_orders.filter(provider=provider).first()
    return existing or OnlineOrderFactory(payment=w.a.payment, provider=provider)


def _unread(w):
    w.a.notification.refresh_from_db()
    return w.a.notification.read_at is None


def _invitation_unused(w):
    w.a.invitation.refresh_from_db()
    return w.a.invitation.accepted_at is None and not w.a.organization.memberships.filter(user=w.b.owner).exists()


def _access_request_pending(w):
    w.a.access_request.refresh_from_db()
    return w.a.access_request.status == "pending"


SITE = {
    "set_language": Entry(PUBLIC),
    "home": Entry(PUBLIC),
    # operations: anyone gets the status; 503 is readiness saying a dependency is down (e.g. the beat
    # has not run in this test database), not a server error; details only for insiders (tests/ops)
    "health_live": Entry(PUBLIC),
    "health_ready": Entry(PUBLIC, control_status=(503,)),
    "metrics": Entry(PUBLIC),  # 403 but for OPS_INTERNAL_NETWORKS (the test client's loopback) and OPS_TOKEN
    # allauth: sign-in, sign-up, password reset and e-mail confirmation are for people not signed in
    "account_login": Entry(PUBLIC),
    "account_logout": Entry(PUBLIC),
    "account_inactive": Entry(PUBLIC),
    "account_signup": Entry(PUBLIC),
    "account_email_verification_sent": Entry(PUBLIC),
    "account_reset_password": Entry(PUBLIC),
    "account_reset_password_done": Entry(PUBLIC),
    "account_reset_password_from_key": Entry(PUBLIC, kwargs=lambda w: {"uidb36": "1", "key": "x-y"}),
    "account_reset_password_from_key_done": Entry(PUBLIC),
    "account_confirm_email": Entry(PUBLIC, kwargs=lambda w: {"key": "nonsense"}),
    "account_confirm_login_code": Entry(PUBLIC),
    "mfa_authenticate": Entry(PUBLIC),  # only inside a sign-in in progress; otherwise back to sign-in
    # allauth: the signed-in user's own account
    "account_reauthenticate": Entry(LOGIN),
    "account_request_reauthentication_code": Entry(LOGIN),
    "account_confirm_reauthentication_code": Entry(LOGIN),
    "account_email": Entry(OWN),
    "account_change_password": Entry(LOGIN),
    "account_set_password": Entry(LOGIN),
    "mfa_index": Entry(LOGIN, control="administrator"),
    "mfa_reauthenticate": Entry(LOGIN),
    "mfa_activate_totp": Entry(LOGIN),
    "mfa_deactivate_totp": Entry(LOGIN, control="administrator"),
    "mfa_view_recovery_codes": Entry(LOGIN, control="administrator"),
    "mfa_generate_recovery_codes": Entry(LOGIN, control="administrator"),
    "mfa_download_recovery_codes": Entry(LOGIN, control="administrator"),
    # passkeys and the one-time enrolment link; no key 0 exists, so its edit page answers 404
    "mfa_list_webauthn": Entry(LOGIN, control="administrator"),
    "mfa_add_webauthn": Entry(LOGIN, control="administrator"),
    "mfa_edit_webauthn": Entry(LOGIN, kwargs=lambda w: {"pk": 0}, control="administrator", control_status=(404,)),
    "mfa_remove_webauthn": Entry(LOGIN, kwargs=lambda w: {"pk": 0}, control="administrator", control_status=(404,)),
    "mfa_reauthenticate_webauthn": Entry(LOGIN),
    "accounts:enrol": Entry(PUBLIC, kwargs=lambda w: {"token": "nonsense"}),  # a bad link answers 410
    # the applicant portal
    "applications:dashboard": Entry(OWN),
    "applications:organization": Entry(OWN),
    "applications:create_organization": Entry(OWN, control="loner"),
    "applications:edit_organization": Entry(OWN),
    "applications:invite": Entry(OWN, control_method="POST"),
    "applications:revoke_invitation": Entry(ORG, pk(lambda w: w.a.invitation), control_method="POST"),
    "applications:ask_for_access": Entry(OWN, control="loner", control_method="POST"),
    "applications:answer_access_request": Entry(
        ORG,
        lambda w: {"pk": w.a.access_request.pk, "decision": "decline"},
        control_method="POST",
        unchanged=_access_request_pending,
    ),
    "applications:invitation": Entry(
        TOKEN, lambda w: {"token": w.a.invitation.token}, control="loner", unchanged=_invitation_unused
    ),
    "applications:start": Entry(OWN),
    "applications:detail": Entry(ORG, pk(lambda w: w.a.draft)),
    "applications:self_check": Entry(ORG, pk(lambda w: w.a.draft)),
    "applications:self_check_result": Entry(ORG, pk(lambda w: w.a.draft)),
    "applications:edit": Entry(ORG, lambda w: {"pk": w.a.draft.pk, "step": "organization"}),
    "applications:review": Entry(ORG, pk(lambda w: w.a.draft)),
    "applications:submit": Entry(ORG, pk(lambda w: w.a.draft), control_method="POST"),
    "applications:withdraw": Entry(ORG, pk(lambda w: w.a.draft)),
    "applications:form_pdf": Entry(ORG, pk(lambda w: w.a.draft)),
    "applications:materials": Entry(ORG, pk(lambda w: w.a.draft)),
    "applications:upload_material": Entry(ORG, pk(lambda w: w.a.material_file.item), control_method="POST"),
    "applications:material_file": Entry(ORG, pk(lambda w: w.a.material_file)),
    "applications:material_template": Entry(LOGIN, pk(lambda w: w.template_type)),
    "applications:fee": Entry(ORG, pk(lambda w: w.a.accepted)),
    "applications:upload_receipt": Entry(ORG, pk(lambda w: w.a.payment), control_method="POST"),
    "applications:payment_receipt": Entry(ORG, pk(lambda w: w.a.payment)),
    "applications:request_invoice": Entry(ORG, pk(lambda w: w.a.payment), control_method="POST"),
    "applications:invoice_file": Entry(ORG, pk(lambda w: w.a.invoice)),
    "applications:pay_online": Entry(
        ORG, lambda w: {"pk": w.a.payment.pk, "provider": "sandbox"}, control_method="POST"
    ),
    "applications:sandbox_bank": Entry(ORG, lambda w: {"token": sandbox_token(w.a.payment)}),
    "applications:payment_callback": Entry(PUBLIC, lambda w: {"provider": "sandbox"}),  # signed by the provider
    "applications:wechat_order": Entry(ORG, pk(lambda w: _online_order(w))),
    "applications:order_status": Entry(ORG, pk(lambda w: _online_order(w))),
    # The payer's way back from Alipay: the order number in the query string picks one of A's orders.
    "applications:alipay_return": Entry(
        ORG,
        path=lambda w: (
            reverse("applications:alipay_return") + "?out_trade_no=" + _online_order(w, provider="alipay").out_trade_no
        ),
    ),
    "applications:notifications": Entry(OWN),
    "applications:mark_all_read": Entry(OWN, control_method="POST"),
    "applications:mark_read": Entry(OWN, pk(lambda w: w.a.notification), control_method="POST", unchanged=_unread),
    # auditors' pages: the team of A's audit only
    "audits:list": Entry(OWN, control="lead_a"),
    "audits:form": Entry(TEAM, pk(lambda w: w.a.audit), control="lead_a"),
    "audits:start": Entry(TEAM, pk(lambda w: w.a.audit), control="lead_a", control_method="POST"),
    "audits:save_item": Entry(
        TEAM,
        lambda w: {"pk": w.a.audit.pk, "indicator_pk": _leaf(w).pk},
        control="lead_a",
        control_method="POST",
    ),
    "audits:add_special_finding": Entry(TEAM, pk(lambda w: w.a.audit), control="lead_a", control_method="POST"),
    "audits:add_nonconformity": Entry(TEAM, pk(lambda w: w.a.audit), control="lead_a", control_method="POST"),
    "audits:submit": Entry(TEAM, pk(lambda w: w.a.audit), control="lead_a"),
    "audits:upload_photo": Entry(TEAM, pk(lambda w: w.a.audit), control="lead_a", control_method="POST"),
    "audits:photo_status": Entry(TEAM, pk(lambda w: w.a.photo), control="lead_a"),
    "audits:photo_original": Entry(TEAM, pk(lambda w: w.a.photo), control="administrator"),
    "audits:photo_in_report": Entry(TEAM, pk(lambda w: w.a.photo), control="lead_a", control_method="POST"),
    "audits:photo": Entry(TEAM, lambda w: {"pk": w.a.photo.pk, "variant": "thumb"}, control="lead_a"),
    # after the report: A's people and the team
    "audits:result": Entry(ORG, pk(lambda w: w.a.reported)),
    "audits:report_pdf": Entry(ORG, pk(lambda w: w.a.reported)),
    "audits:nonconformity": Entry(ORG, pk(lambda w: w.a.nonconformity)),
    "audits:respond": Entry(ORG, pk(lambda w: w.a.nonconformity), control_method="POST"),
    "audits:verify": Entry(ORG, pk(lambda w: w.a.nonconformity), control="lead_a", control_method="POST"),
    "audits:reopen": Entry(ORG, pk(lambda w: w.a.nonconformity), control="lead_a", control_method="POST"),
    "audits:evidence": Entry(ORG, pk(lambda w: w.a.evidence)),
    # public register and verification; the holder's certificate pages
    "certificates:register": Entry(PUBLIC),
    "trail:checkpoints": Entry(PUBLIC),
    "trail:signature": Entry(PUBLIC, lambda w: {"date": "2026-12-06"}),
    "certificates:verify": Entry(PUBLIC, lambda w: {"token": w.a.certificate.verification_token}),
    "certificates:compare": Entry(PUBLIC, lambda w: {"token": w.a.certificate.verification_token}),
    "certificates:list": Entry(OWN),
    "certificates:detail": Entry(ORG, pk(lambda w: w.a.certificate)),
    "certificates:pdf": Entry(ORG, pk(lambda w: w.a.certificate)),
    "certificates:delivery": Entry(ORG, pk(lambda w: w.a.certificate), control_method="POST"),
    "certificates:recertify": Entry(ORG, pk(lambda w: w.a.certificate), control_method="POST"),
}


def _admin(kwargs=None, control="administrator", refused=(), **extra) -> Entry:
    return Entry(ADMIN, kwargs, control=control, refused=refused, **extra)


ADMIN_EXTRA = {
    "staff_dashboard": _admin(),
    "staff_finance_report": _admin(refused=("decider",)),  # finance staff: those who confirm payments
    # A case's signed record: staff only; the case's own applicant is refused, anyone else gets 404.
    "staff_case_record": Entry(ORG, pk(lambda w: w.a.deciding), control="reviewer", refused=("owner_a",)),
    "admin:index": _admin(),
    "admin:login": Entry(PUBLIC),
    "admin:logout": Entry(PUBLIC),  # signs out whoever asks; anonymous visitors land on the admin's sign-in
    "admin:password_change": _admin(),
    "admin:password_change_done": _admin(),
    "admin:autocomplete": _admin(
        path=lambda w: "/admin/autocomplete/?app_label=audits&model_name=auditorprofile&field_name=user&term=a"
    ),
    "admin:jsi18n": _admin(),
    "admin:view_on_site": _admin(
        lambda w: {"content_type_id": ContentType.objects.get_for_model(Application).pk, "object_id": w.a.draft.pk}
    ),
    "admin:app_list": _admin(lambda w: {"app_label": "applications"}),
    "admin:auth_user_password_change": _admin(lambda w: {"id": w.a.owner.pk}),
    "admin:applications_application_export_csv": _admin(),
    "admin:applications_application_export_xlsx": _admin(),
    "admin:applications_application_material_file": _admin(lambda w: {"file_id": w.a.material_file.pk}),
    "admin:applications_application_receipt": _admin(lambda w: {"payment_id": w.a.payment.pk}),
    "admin:applications_application_transition": _admin(
        lambda w: {"object_id": w.a.accepted.pk, "name": "return"}, refused=("decider",), control_method="POST"
    ),
    "admin:applications_application_material": _admin(
        lambda w: {"object_id": w.a.draft.pk, "item_id": w.a.material_file.item_id, "decision": "accept"},
        control_method="POST",
    ),
    "admin:applications_application_payment": _admin(
        lambda w: {"object_id": w.a.accepted.pk, "payment_id": w.a.payment.pk, "decision": "confirm"},
        control_method="POST",
    ),
    # Issuing and voiding e-invoices: staff who confirm payments (not the decision-maker); any staff may download.
    "admin:applications_invoicerequest_issue": _admin(
        lambda w: {"pk": w.a.invoice.pk}, refused=("decider",), control_method="POST"
    ),
    "admin:applications_invoicerequest_void": _admin(
        lambda w: {"pk": w.a.invoice.pk}, refused=("decider",), control_method="POST"
    ),
    "admin:applications_invoicerequest_file": _admin(lambda w: {"pk": w.a.invoice.pk}),
    "admin:audits_audit_reopen": _admin(lambda w: {"pk": w.a.reported.pk}, refused=("decider",)),
    "admin:audits_audit_travel": _admin(lambda w: {"pk": w.a.reported.pk}, refused=("decider",)),
    "admin:audits_audit_plan": _admin(lambda w: {"application_id": w.a.accepted.pk}, refused=("decider",)),
    "admin:certificates_casefile_decide": _admin(
        lambda w: {"pk": w.a.deciding.pk}, control="decider", refused=("reviewer",)
    ),
    "admin:certificates_casefile_file": _admin(
        lambda w: {"pk": w.a.deciding.pk, "file_pk": w.a.deciding_file.pk}, control="decider", refused=("reviewer",)
    ),
    "admin:certificates_casefile_dossier": _admin(
        lambda w: {"pk": w.a.deciding.pk}, control="decider", refused=("reviewer",)
    ),
    "admin:certificates_casefile_dossier_download": _admin(
        lambda w: {"pk": w.a.deciding.pk, "dossier_pk": w.a.dossier.pk}, control="decider", refused=("reviewer",)
    ),
    # Decisions on a certificate are the impartial decision-maker's alone, administrators included (design.md §3.1).
    "admin:certificates_certificate_act": _admin(
        lambda w: {"pk": w.a.certificate.pk, "action": "suspend"},
        control="decider",
        refused=("reviewer", "administrator"),
    ),
    "admin:certificates_certificate_export": _admin(lambda w: {"fmt": "csv"}),
    "admin:certificates_surveillancereview_plan": _admin(
        lambda w: {"pk": w.a.certificate.surveillance_reviews.first().pk}
    ),
    "admin:certificates_surveillancereview_outcome": _admin(
        lambda w: {"pk": w.a.certificate.surveillance_reviews.first().pk},
        control="decider",
        refused=("reviewer", "administrator"),
    ),
    # unknown admin pages: staff get 404, everyone else the admin's sign-in
    "admin/(?P<url>.*)$": _admin(path=lambda w: "/admin/no-such-page/", control_status=(404,)),
}

STANDARD_ADMIN = ("changelist", "add", "history", "delete", "change")


def standard_admin_entries() -> dict:
    """changelist/add/change/delete/history (and simple_history's per-version page) of every registered model."""
    entries = {}
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}_"
        object_id = _any_pk(model_admin)
        for suffix in STANDARD_ADMIN:
            kwargs = None if suffix in ("changelist", "add") else {"object_id": object_id or 1}
            # models the admin only lets people read (history, logs, workflow objects) refuse add and delete;
            # a model with no row at all has no history page to show
            refusable = (403,) if suffix in ("add", "delete") else ()
            if object_id is None and suffix == "history":
                refusable = (404,)
            entries[prefix + suffix] = _admin(_const(kwargs), control_status=refusable)
        try:
            reverse(prefix + "simple_history", args=[1, 1])
        except NoReverseMatch:
            pass
        else:
            version = _first_version(model, object_id) if object_id else None
            entries[prefix + "simple_history"] = _admin(
                args=_const([object_id or 1, version or 1]), control_status=() if version else (404,)
            )
        route = f"admin/{opts.app_label}/{opts.model_name}/<path:object_id>/"
        entries[route] = _admin(path=_const(f"/admin/{opts.app_label}/{opts.model_name}/{object_id or 1}/"))
    return entries


def _const(value):
    return lambda w: value


def _any_pk(model_admin):
    """An object this admin shows (its queryset may be narrower than the table, e.g. case files)."""
    queryset = model_admin.get_queryset(_AdminRequest())
    return queryset.order_by("pk").values_list("pk", flat=True).first()


def _first_version(model, object_id):
    history = getattr(model, "history", None)
    if history is None:
        return None
    return history.filter(pk=object_id).order_by("history_id").values_list("history_id", flat=True).first()


class _AdminRequest:
    """Just enough of a request for ModelAdmin.get_queryset (ordering, no user-specific filtering)."""

    class user:  # noqa: N801
        is_superuser = True
        is_active = True
        is_staff = True

        @staticmethod
        def has_perm(*args, **kwargs):
            return True


def all_entries() -> dict:
    return {**SITE, **ADMIN_EXTRA, **standard_admin_entries()}
