"""The audit in the back office: its page (re-planned only while planned), the report's reopening with a
reason, and the links to the result, the report and the photos. The team and dates are chosen in planning.py."""

from decimal import Decimal
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import permissions
from certportal.history import ReadOnlyHistoryAdmin, ReadOnlyInline
from certportal.money import format_money
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError, offers

from .. import services
from ..models import Audit, AuditTeamMember
from . import planning


class TeamInline(ReadOnlyInline):
    model = AuditTeamMember
    fields = ["auditor", "role"]  # the team is chosen on the planning page, where the rules are checked


def onsite_links(audit: Audit) -> str:
    links = [(reverse("audits:result", args=[audit.pk]), _("Result and nonconformities"))]
    if audit.report_pdf:
        links.append((reverse("audits:report_pdf", args=[audit.pk]), _("Audit report (PDF)")))
    photos = reverse("admin:audits_auditphoto_changelist") + f"?audit__id__exact={audit.pk}"
    links.append((photos, _("Photos")))
    return format_html_join(" · ", '<a href="{}">{}</a>', links)


class ReopenForm(CheckedTextMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why the report must be corrected"), widget=forms.Textarea)


def reopen_view(model_admin, request, pk):
    """Staff unlock a submitted report; the team can score again and the leader resubmits."""
    audit = get_object_or_404(Audit.objects.select_related("application"), pk=pk)
    if not Audit.WORKFLOW["reopen"].permits(request.user, audit):
        raise PermissionDenied
    back = reverse("admin:audits_audit_change", args=[audit.pk])
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            audit.reopen(by=request.user, reason=form.cleaned_data["reason"])
        except TransitionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The audit is open for correction again."))
        return redirect(back)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Audit._meta,
        "original": audit,
        "title": _("Reopen the report of %(audit)s") % {"audit": audit},
        "form": form,
        "back": back,
    }
    return TemplateResponse(request, "admin/audits/audit/reopen.html", context)


class TravelLineForm(CheckedTextMixin, forms.Form):
    """One actual cost of the audit: what it was (as the enterprise reads it on its quote) and how much."""

    description = forms.CharField(label=gettext_lazy("Cost (e.g. train tickets, 2 nights' hotel)"), max_length=100)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (CNY)"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )


TravelLines = forms.formset_factory(TravelLineForm, extra=3, min_num=1, validate_min=True, max_num=10)


def can_bill_travel(user, audit: Audit) -> bool:
    """Reviewers (who confirm payments) bill an audit's travel once its report is in."""
    return permissions.can_confirm_payment(user) and audit.status in Audit.REPORTED_STATES


def travel_view(model_admin, request, pk):
    """Staff enter the audit's travel and accommodation at actual cost: one travel quote with its own payment."""
    audit = get_object_or_404(Audit.objects.select_related("application"), pk=pk)
    if not permissions.can_confirm_payment(request.user):
        raise PermissionDenied
    back = reverse("admin:audits_audit_change", args=[audit.pk])
    formset = TravelLines(request.POST or None, prefix="cost")
    if request.method == "POST" and formset.is_valid():
        lines = [
            (form.cleaned_data["description"], form.cleaned_data["amount"])
            for form in formset
            if form.cleaned_data  # blank extra rows
        ]
        try:
            with transaction.atomic():
                quote = services.bill_travel(audit=audit, lines=lines, by=request.user)
        except TransitionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Travel and accommodation billed: %(amount)s; the enterprise was told.")
                % {"amount": format_money(quote.total)},
            )
            return redirect(back)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Audit._meta,
        "original": audit,
        "title": _("Travel and accommodation of %(audit)s") % {"audit": audit},
        "formset": formset,
        "back": back,
    }
    return TemplateResponse(request, "admin/audits/audit/travel.html", context)


@admin.register(Audit)
class AuditAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "kind", "status", "planned_start", "planned_end", "score", "grade"]
    list_filter = ["status", "kind"]
    list_select_related = ["application"]
    date_hierarchy = "planned_start"
    raw_id_fields = ["application", "created_by"]
    readonly_fields = [
        "application",
        "kind",
        "indicator_set",
        "status",
        "score",
        "grade",
        "submitted_at",
        "created_by",
        "onsite",
    ]
    exclude = ["report_pdf", "report_pdf_sha256", "report_attempts"]
    inlines = [TeamInline]
    history_list_display = ["status", "planned_start", "planned_end"]

    @admin.display(description=gettext_lazy("report and scoring"))
    def onsite(self, obj):
        return onsite_links(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The moves this person may make from the audit's state (Audit.WORKFLOW), as buttons above the form."""
        audit = self.get_object(request, object_id)
        actions = offers(audit, request.user, {"reopen"}) if audit else []
        travel = audit is not None and can_bill_travel(request.user, audit)
        extra = {**(extra_context or {}), "audit_actions": actions, "can_bill_travel": travel}
        return super().change_view(request, object_id, form_url, extra)

    def has_add_permission(self, request):
        return False  # audits are planned from the application page, where the team rules are checked

    def has_change_permission(self, request, obj=None):
        """The generic form re-plans dates and man-days only while the audit is planned (design.md §3.1: "re-plan
        while planned"), for everyone, administrators included. From in_progress on the dates, man-days and team
        are what happened on site, and the scores and findings are the team's (its own pages); a submitted report
        changes only through "reopen with a reason", and a closed audit not at all. The page still shows it all."""
        if obj is not None and obj.status != Audit.Status.PLANNED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        plan = self.admin_site.admin_view(partial(planning.plan_view, self))
        reopen = self.admin_site.admin_view(partial(reopen_view, self))
        travel = self.admin_site.admin_view(partial(travel_view, self))
        return [
            path("<int:pk>/travel/", travel, name="audits_audit_travel"),
            path("plan/<int:application_id>/", plan, name="audits_audit_plan"),
            path("<int:pk>/reopen/", reopen, name="audits_audit_reopen"),
            *super().get_urls(),
        ]
