"""The review queue and the application page where reviewers do their work."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certportal.history import ReadOnlyHistoryAdmin, ReadOnlyMixin
from certportal.workflow import TransitionError

from .. import permissions, selfcheck
from ..models import Application, MaterialFile, Payment, Quote
from . import actions, exports
from .changelist import (
    DeadlineFilter,
    RegionFilter,
    SubmittedMonthFilter,
    days_in_state,
    is_late,
    parse_reference,
    sla_days,
)
from .regions import region_of

S = Application.Status
NEXT_STEP: dict[str, str | Promise] = {
    S.DRAFT: gettext_lazy("The applicant has not submitted this application yet."),
    S.SUBMITTED: gettext_lazy(
        "Review each material, then accept the application (this issues the quote) or return it for corrections."
    ),
    S.RETURNED: gettext_lazy("Waiting for the applicant to correct the application and submit it again."),
    S.ACCEPTED: gettext_lazy("Waiting for the fee. Confirm the payment once the money has arrived."),
    S.PAID: gettext_lazy("The fee is paid: plan the audit (team and dates)."),
    S.AUDIT_PLANNED: gettext_lazy("The audit team carries out the audit and submits its report."),
    S.AUDIT_REPORTED: gettext_lazy("The audit report is in; open nonconformities must be corrected first."),
    S.CORRECTIVE_ACTION: gettext_lazy("Waiting for the applicant's corrective actions and their verification."),
    S.AWAITING_DECISION: gettext_lazy("A decision-maker who was not on the audit team decides."),
    S.CERTIFIED: gettext_lazy("Closed: certified."),
    S.REFUSED: gettext_lazy("Closed: refused."),
    S.WITHDRAWN: gettext_lazy("Closed: withdrawn by the applicant."),
}


DECIDED_PAYMENT_STATES = [Payment.Status.CONFIRMED, Payment.Status.REJECTED, Payment.Status.REFUNDED]


# Read-only: applicants start applications in the portal, the buttons here call its transitions, nothing is deleted.
@admin.register(Application)
class ApplicationAdmin(ReadOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = [
        "reference",
        "organization_name",
        "status_badge",
        "waiting",
        "kind",
        "credit_code",
        "submitted",
        "grade",
    ]
    list_filter = ["status", DeadlineFilter, "kind", RegionFilter, SubmittedMonthFilter]
    search_fields = ["org_name", "organization__name", "credit_code", "=certificate__number"]
    search_help_text = gettext_lazy("Organization name, credit code, reference (SQ-2026-000042) or certificate number.")
    list_select_related = ["organization"]
    show_full_result_count = False  # no second COUNT over the whole table on filtered pages
    show_facets = admin.ShowFacets.NEVER  # facet counts would cost a COUNT per filter choice
    ordering = ["-pk"]
    list_per_page = 50
    view_on_site = False  # the portal page is the applicant's; staff work here
    raw_id_fields = ["organization", "renews", "created_by"]
    actions = ["accept_selected"]
    history_list_display = ["status"]
    fieldsets = [
        (
            gettext_lazy("Applicant"),
            {
                "fields": [
                    "organization",
                    "org_name",
                    ("credit_code", "region"),
                    "address",
                    "legal_representative",
                    "employee_count",
                ]
            },
        ),
        (
            gettext_lazy("Certification requested"),
            {"fields": ["kind", "renews", "categories", "scope", "service_outlets", "service_commitments"]},
        ),
        (gettext_lazy("Contact"), {"fields": ["contact_name", "contact_phone", "contact_email"]}),
        (gettext_lazy("Eligibility self-check"), {"fields": ["self_check_answers"]}),
        (
            gettext_lazy("Record"),
            {"fields": [("created_by", "created_at"), "submitted_at", ("score", "grade")]},
        ),
    ]

    # --- the list ---------------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=gettext_lazy("organization"), ordering="org_name")
    def organization_name(self, obj):
        return obj.org_name or obj.organization.name

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="cp-status cp-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=gettext_lazy("first submitted"), ordering="submitted_at")
    def submitted(self, obj):
        return date_format(timezone.localtime(obj.submitted_at)) if obj.submitted_at else "–"

    @admin.display(description=gettext_lazy("days in status"), ordering="status_changed_at")
    def waiting(self, obj):
        if sla_days(obj.status) is None:
            return "–"
        days = days_in_state(obj, self._now)
        if is_late(obj, self._now):
            title = _("Late: more than %(days)d days in this status") % {"days": sla_days(obj.status)}
            return format_html('<span class="cp-late" title="{}">{}</span>', title, days)
        return days

    def get_changelist_instance(self, request):
        self._now = timezone.now()  # one clock for every row of the page
        return super().get_changelist_instance(request)

    def get_search_results(self, request, queryset, search_term):
        pk = parse_reference(search_term)
        if pk is not None:
            return queryset.filter(pk=pk), False
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description=gettext_lazy("Accept the selected applications"), permissions=["review"])
    def accept_selected(self, request, queryset):
        done, refused = 0, []
        skipped = queryset.exclude(status=S.SUBMITTED).count()
        for application in queryset.filter(status=S.SUBMITTED).order_by("pk"):
            try:
                with transaction.atomic():
                    application.accept(by=request.user)
            except TransitionError as error:
                refused.append(f"{application.reference}: {error.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("%(count)d applications accepted.") % {"count": done})
        for line in refused:
            messages.error(request, line)
        if skipped:
            messages.warning(request, _("%(count)d were not submitted and were left alone.") % {"count": skipped})

    def has_review_permission(self, request):
        return permissions.can_review(request.user)

    # --- the application page ------------------------------------------------------------------------------

    readonly_fields = [
        "organization",
        "org_name",
        "credit_code",
        "region",
        "address",
        "legal_representative",
        "employee_count",
        "kind",
        "renews",
        "categories",
        "scope",
        "service_outlets",
        "service_commitments",
        "contact_name",
        "contact_phone",
        "contact_email",
        "self_check_answers",
        "created_by",
        "created_at",
        "submitted_at",
        "score",
        "grade",
    ]

    @admin.display(description=gettext_lazy("region"))
    def region(self, obj):
        return region_of(obj.credit_code) or "–"

    @admin.display(description=gettext_lazy("answers"))
    def self_check_answers(self, obj):
        rows = _self_check_rows(obj.self_check)
        if not rows:
            return _("Not filled in.")
        cells = format_html_join(
            "", '<tr><th>{}</th><td class="{}">{}</td></tr>', ((q, "" if ok else "cp-late", a) for q, a, ok in rows)
        )
        return format_html('<table class="cp-selfcheck">{}</table>', cells)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(review_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        def wrap(view):
            def wrapper(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            return self.admin_site.admin_view(wrapper)

        name = "applications_application_"
        return [
            path("export/csv/", wrap(exports.export_csv), name=name + "export_csv"),
            path("export/xlsx/", wrap(exports.export_xlsx), name=name + "export_xlsx"),
            path("files/<int:file_id>/", wrap(actions.material_file), name=name + "material_file"),
            path("receipts/<int:payment_id>/", wrap(actions.payment_receipt), name=name + "receipt"),
            path("<int:object_id>/do/<slug:name>/", wrap(actions.transition), name=name + "transition"),
            path(
                "<int:object_id>/materials/<int:item_id>/<str:decision>/",
                wrap(actions.material_decision),
                name=name + "material",
            ),
            path(
                "<int:object_id>/payments/<int:payment_id>/<str:decision>/",
                wrap(actions.payment_decision),
                name=name + "payment",
            ),
            *super().get_urls(),
        ]


def review_context(request, application: Application) -> dict:
    """Everything the application page shows besides the form fields, and the buttons this user may press."""
    user = request.user
    status = application.status
    materials = application.material_items.select_related("material_type", "reviewed_by").prefetch_related(
        Prefetch("files", queryset=MaterialFile.objects.select_related("uploaded_by").order_by("-version"))
    )
    quote = Quote.objects.acceptance().filter(application=application).prefetch_related("lines").first()
    may_plan_audit = status == S.PAID and permissions.can_plan_audit(user)
    return {
        "late": is_late(application),
        "days_in_state": days_in_state(application),
        "sla_days": sla_days(status),
        "next_step": NEXT_STEP.get(status, ""),
        "transitions": actions.available_transitions(user, application),
        "materials": materials,
        "can_review_materials": status == S.SUBMITTED and permissions.can_review(user),
        "can_download_material": permissions.can_download_materials(user),
        "timeline": application.status_changes.select_related("by"),
        "quote": quote,
        "man_days_missing": Quote.man_days_missing(application) if status == S.SUBMITTED else "",
        "payments": application.payments.select_related("decided_by").prefetch_related("invoice_requests"),
        "payment_decisions": Payment.history.filter(application_id=application.pk, status__in=DECIDED_PAYMENT_STATES)
        .select_related("history_user")
        .order_by("history_date"),
        "can_confirm_payment": status == S.ACCEPTED and permissions.can_confirm_payment(user),
        "can_download_receipt": permissions.can_download_receipts(user),
        "can_refund": Payment.WORKFLOW["refund"].permits(user, None),
        "audits": application.audits.prefetch_related("team__auditor"),
        "plan_audit_url": reverse("admin:audits_audit_plan", args=[application.pk]) if may_plan_audit else "",
        "reason_max_length": 2000,
    }


def _self_check_rows(self_check) -> list[tuple[str, str, bool]]:
    """(question, answer, answer is "yes") for display: the portal's questionnaire, or any flat JSON."""
    if not isinstance(self_check, dict) or not self_check:
        return []
    answers = self_check.get("answers")
    if isinstance(answers, dict):
        return [
            (str(question.text), str(label), answers.get(question.key) == selfcheck.YES)
            for question, label in selfcheck.answered_questions(self_check)
        ]
    flat = answers if isinstance(answers, dict) else self_check
    return [(_humanize(key), _answer(value), value in (True, "yes")) for key, value in flat.items()]


def _humanize(key) -> str:
    return str(key).replace("_", " ").capitalize()


def _answer(value) -> str:
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if value in (None, ""):
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
