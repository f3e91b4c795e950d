"""Planning an audit: the team, the dates and the man-days for a paid application (design.md §3.1's team rules)."""

import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from applications.models import Application, ManDayRule
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError

from .. import services
from ..models import Audit


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


def plan_view(model_admin, request, application_id):
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
            services.plan_audit(application=application, by=request.user, kind=application.kind, **form.cleaned_data)
        except TransitionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The audit is planned and the applicant was told the dates."))
            return redirect(back)
    return TemplateResponse(
        request, "admin/audits/audit/plan.html", _plan_context(model_admin, request, application, form)
    )


def _suggestion(application: Application) -> dict:
    start = timezone.localdate() + datetime.timedelta(days=14)
    initial: dict[str, object] = {"start": start, "end": start + datetime.timedelta(days=1)}
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
