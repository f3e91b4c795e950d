import datetime
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from applications.models import ManDayRule
from certportal.history import ReadOnlyHistoryAdmin
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError, offers

from .. import services
from ..models import SurveillanceReview


def _auditors():
    return get_user_model().objects.filter(groups__name=roles.AUDITOR, is_active=True).order_by("full_name")


class PlanForm(CheckedTextMixin, forms.Form):
    lead = forms.ModelChoiceField(label=gettext_lazy("Team leader"), queryset=_auditors())
    members = forms.ModelMultipleChoiceField(label=gettext_lazy("Other auditors"), queryset=_auditors(), required=False)
    start = forms.DateField(label=gettext_lazy("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("End"), widget=forms.DateInput(attrs={"type": "date"}))
    onsite_man_days = forms.DecimalField(
        label=gettext_lazy("On-site man-days"), max_digits=4, decimal_places=1, min_value=0.5
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["lead"]).queryset = _auditors()
        cast(forms.ModelMultipleChoiceField, self.fields["members"]).queryset = _auditors()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end date cannot be before the start date."))
        return data


class OutcomeForm(CheckedTextMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), choices=services.SurveillanceOutcome.CHOICES, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(SurveillanceReview)
class SurveillanceReviewAdmin(ReadOnlyHistoryAdmin):
    list_display = ["certificate", "holder", "sequence", "due_date", "status"]
    list_filter = ["status"]
    search_fields = ["certificate__number", "certificate__holder_name"]
    list_select_related = ["certificate"]
    show_full_result_count = False
    raw_id_fields = ["certificate", "audit"]
    readonly_fields = ["certificate", "sequence", "due_date", "status", "audit", "completed_at"]
    change_form_template = "admin/certificates/surveillancereview/change_form.html"
    ordering = ["due_date"]

    @admin.display(description=gettext_lazy("holder"))
    def holder(self, obj):
        return obj.certificate.holder_name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/plan/", wrap(self.plan_view), name="certificates_surveillancereview_plan"),
            path("<int:pk>/outcome/", wrap(self.outcome_view), name="certificates_surveillancereview_outcome"),
        ] + super().get_urls()

    def _review(self, request, pk, transition: str) -> SurveillanceReview:
        """The review, if this person is one of the transition's actors (SurveillanceReview.WORKFLOW)."""
        review = self.get_object(request, str(pk))
        if review is None:
            raise Http404
        if not SurveillanceReview.WORKFLOW[transition].permits(request.user, review):
            raise PermissionDenied
        return review

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, object_id)
        actions = offers(review, request.user, {"schedule", "complete"}) if review else []
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "review_actions": actions})

    def plan_view(self, request, pk):
        review = self._review(request, pk, "schedule")
        application = review.certificate.application
        rule = ManDayRule.for_employees(application.employee_count or 1)
        start = max(timezone.localdate() + datetime.timedelta(days=14), review.due_date - datetime.timedelta(days=30))
        form = PlanForm(
            request.POST or None,
            initial={"onsite_man_days": rule.onsite_for("surveillance"), "start": start, "end": start},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.plan_surveillance_audit(review=review, by=request.user, **form.cleaned_data)
            except TransitionError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Surveillance audit planned."))
                return redirect("admin:certificates_surveillancereview_change", pk)
        return self._render(request, review, form, _("Plan the surveillance audit"))

    def outcome_view(self, request, pk):
        review = self._review(request, pk, "complete")
        form = OutcomeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.complete_surveillance(review=review, by=request.user, **form.cleaned_data)
            except TransitionError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Surveillance outcome recorded."))
                return redirect("admin:certificates_surveillancereview_change", pk)
        return self._render(request, review, form, _("Record the surveillance outcome"))

    def _render(self, request, review, form, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": review,
            "title": f"{title}: {review}",
            "form": form,
        }
        return TemplateResponse(request, "admin/certificates/surveillancereview/action.html", context)
