import datetime
from decimal import Decimal
from functools import partial

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from applications.models import Application, ManDayRule
from certportal.history import ReadOnlyHistoryAdmin, ReadOnlyMixin
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError, offers

from . import services
from .admin_onsite import CorrectiveActionInline, onsite_links, reopen_view
from .models import (
    Audit,
    AuditorProfile,
    AuditTeamMember,
    ConflictOfInterest,
    Indicator,
    IndicatorSet,
    ItemScore,
    Nonconformity,
    SpecialFinding,
)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = [
        "order",
        "level",
        "code",
        "title_zh",
        "title_en",
        "max_points",
        "points_are_placeholder",
        "excludable",
        "sampled",
        "parent",
    ]
    raw_id_fields = ["parent"]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.is_in_use)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_in_use)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_in_use)


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    """A set that audits used is read-only (they keep the points they were scored against): copy it instead."""

    list_display = ["name", "standard_edition", "version", "is_active", "has_placeholder_points", "in_use"]
    readonly_fields = ["is_active"]  # switched with the "activate" action, which deactivates the others
    inlines = [IndicatorInline]
    actions = ["copy_as_new_version", "activate"]

    @admin.display(boolean=True, description=gettext_lazy("used by audits"))
    def in_use(self, obj):
        return obj.is_in_use

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_in_use)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_in_use)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_in_use and request.method == "GET":
            messages.info(
                request, _("Audits were scored against this set, so it is read-only; copy it to a new version.")
            )
        if obj is not None and obj.has_placeholder_points and request.method == "GET":
            messages.warning(request, _("Placeholder points: enter the body's scoring sheet (or import it)."))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("Copy to a new version"), permissions=["add"])
    def copy_as_new_version(self, request, queryset):
        for indicator_set in queryset:
            copy = indicator_set.copy_as_new_version()
            messages.success(request, _("Created %(set)s (not active yet).") % {"set": copy})

    @admin.action(description=gettext_lazy("Use for new audits (activate)"), permissions=["add"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            messages.error(request, _("Choose exactly one indicator set to activate."))
            return
        indicator_set = queryset.get()
        indicator_set.activate()
        messages.success(request, _("%(set)s is used for audits planned from now on.") % {"set": indicator_set})


class TeamInline(admin.TabularInline):
    model = AuditTeamMember
    extra = 0
    can_delete = False
    fields = ["auditor", "role"]
    readonly_fields = fields  # the team is chosen on the planning page, where the rules are checked

    def has_add_permission(self, request, obj=None):
        return False


def auditors():
    return get_user_model().objects.filter(groups__name=roles.AUDITOR, is_active=True).order_by("username")


class AuditPlanForm(CheckedTextMixin, forms.Form):
    lead = forms.ModelChoiceField(label=gettext_lazy("Team leader"), queryset=auditors())
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Other auditors"),
        queryset=auditors(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start = forms.DateField(
        label=gettext_lazy("First day on site"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=gettext_lazy("Last day on site"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    onsite_man_days = forms.DecimalField(
        label=gettext_lazy("On-site man-days"),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("99"),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and start < timezone.localdate():
            self.add_error("start", _("The audit cannot start in the past."))
        if start and end and end < start:
            self.add_error("end", _("The end date cannot be before the start date."))
        lead = data.get("lead")
        if lead is not None:
            for problem in services.auditor_problems(lead, self.application):
                self.add_error("lead", problem)
        for member in data.get("members", []):
            if member != lead:
                for problem in services.auditor_problems(member, self.application):
                    self.add_error("members", problem)
        return data


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
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "audit_actions": actions})

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
        plan = self.admin_site.admin_view(self.plan_view)
        reopen = self.admin_site.admin_view(partial(reopen_view, self))
        return [
            path("plan/<int:application_id>/", plan, name="audits_audit_plan"),
            path("<int:pk>/reopen/", reopen, name="audits_audit_reopen"),
            *super().get_urls(),
        ]

    def plan_view(self, request, application_id):
        """Choose the team, the dates and the man-days for a paid application; the rules explain any refusal."""
        application = get_object_or_404(Application.objects.select_related("organization"), pk=application_id)
        if not Application.WORKFLOW["plan_audit"].permits(request.user, application):
            raise PermissionDenied
        back = reverse("admin:applications_application_change", args=[application.pk])
        if application.status != Application.Status.PAID:
            messages.error(
                request,
                _("An audit is planned once the fee is paid; this application's status is “%(status)s”.")
                % {"status": application.get_status_display()},
            )
            return redirect(back)
        form = AuditPlanForm(request.POST or None, application=application, initial=_suggestion(application))
        if request.method == "POST" and form.is_valid():
            try:
                services.plan_audit(
                    application=application, by=request.user, kind=application.kind, **form.cleaned_data
                )
            except TransitionError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The audit is planned and the applicant was told the dates."))
                return redirect(back)
        return TemplateResponse(
            request, "admin/audits/audit/plan.html", _plan_context(self, request, application, form)
        )


def _suggestion(application: Application) -> dict:
    start = timezone.localdate() + datetime.timedelta(days=14)
    initial = {"start": start, "end": start + datetime.timedelta(days=1)}
    try:
        rule = ManDayRule.for_employees(application.employee_count or 1)
        initial["onsite_man_days"] = rule.onsite_for(application.kind)
    except TransitionError:
        pass  # the page says the table is empty; the reviewer types the figure
    return initial


def _plan_context(model_admin, request, application, form) -> dict:
    candidates = [(user, services.auditor_problems(user, application)) for user in auditors()]
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Audit._meta,
        "title": _("Plan the audit of %(reference)s") % {"reference": application.reference},
        "application": application,
        "categories": list(application.categories.all()),
        "form": form,
        "candidates": candidates,
        "suggested_man_days": _suggestion(application).get("onsite_man_days"),
        "rotation_cycles": settings.AUDITOR_ROTATION_CYCLES,
        "media": model_admin.media + form.media,
    }


class ConflictInline(admin.TabularInline):
    model = ConflictOfInterest
    extra = 0
    fields = ["organization", "reason", "declared_on", "ends_on"]
    autocomplete_fields = ["organization"]


@admin.register(AuditorProfile)
class AuditorProfileAdmin(ReadOnlyHistoryAdmin):
    list_display = ["user", "registration_number", "competence_list", "conflict_count"]
    search_fields = ["user__username", "user__full_name", "registration_number"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["competences"]
    inlines = [ConflictInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("competences", "conflicts")

    @admin.display(description=gettext_lazy("competence categories"))
    def competence_list(self, obj):
        return ", ".join(str(c) for c in obj.competences.all()) or "–"

    @admin.display(description=gettext_lazy("conflicts declared"))
    def conflict_count(self, obj):
        return len(obj.conflicts.all())


# Scores and findings are the audit team's (design.md §3.1), entered on its pages while the audit is in progress and
# locked once the report is submitted: in the admin they are read-only for everyone, administrators included.


@admin.register(ItemScore)
class ItemScoreAdmin(ReadOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["audit", "indicator", "points", "not_applicable"]
    list_select_related = ["audit__application", "indicator"]
    raw_id_fields = ["audit", "indicator", "updated_by"]


@admin.register(SpecialFinding)
class SpecialFindingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["audit", "kind", "description", "created_at"]
    list_select_related = ["audit__application"]
    raw_id_fields = ["audit", "indicator", "created_by"]


@admin.register(Nonconformity)
class NonconformityAdmin(ReadOnlyMixin, ReadOnlyHistoryAdmin):
    inlines = [CorrectiveActionInline]
    list_display = ["__str__", "audit", "severity", "status", "due_date"]
    list_filter = ["status", "severity"]
    list_select_related = ["audit__application"]
    raw_id_fields = ["audit", "indicator", "special_finding", "responded_by", "verified_by"]
    readonly_fields = ["status", "responded_by", "responded_at", "verified_by", "verified_at"]
