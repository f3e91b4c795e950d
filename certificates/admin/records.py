from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Grade
from certportal.history import ReadOnlyHistoryAdmin, ReadOnlyInline, ReadOnlyMixin
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError, offers

from .. import services
from ..models import (
    Certificate,
    CertificateNumberSequence,
    CertificateStatusChange,
    Decision,
    SurveillanceReview,
    VerificationLookup,
)
from . import register_export


@admin.register(Decision)
class DecisionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["application", "outcome", "grade", "decided_by", "decided_at"]
    list_select_related = ["application", "decided_by"]
    raw_id_fields = ["application", "decided_by"]
    readonly_fields = ["application", "outcome", "recommended_grade", "grade", "reason", "decided_by", "decided_at"]

    def has_add_permission(self, request):
        return False  # decisions are taken on the case file

    def has_delete_permission(self, request, obj=None):
        return False


class CertificateStatusChangeInline(ReadOnlyInline):
    model = CertificateStatusChange
    fields = ["at", "from_status", "to_status", "by", "reason"]


class SurveillanceInline(ReadOnlyInline):
    model = SurveillanceReview
    fields = ["sequence", "due_date", "status", "audit", "completed_at"]


class ReasonForm(CheckedTextMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class GradeForm(ReasonForm):
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), choices=Grade.choices)
    field_order = ["grade", "reason"]


class TrackingForm(CheckedTextMixin, forms.Form):
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=60)


# The staff's moves on a certificate (Certificate.WORKFLOW) and the form each one asks for. The others are the
# daily sweep's, the grant's (supersede) or the holder's (delivery).
FORMS = {
    "suspend": ReasonForm,
    "restore": ReasonForm,
    "withdraw": ReasonForm,
    "cancel": ReasonForm,
    "change_grade": GradeForm,
    "mark_posted": TrackingForm,
}


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyHistoryAdmin):
    list_display = ["number", "holder_name", "holder_credit_code", "grade", "status", "issued_on", "expires_on"]
    list_filter = ["status", "grade"]
    search_fields = ["number", "holder_name", "holder_credit_code"]
    list_select_related = ["organization"]
    show_full_result_count = False
    raw_id_fields = ["application", "decision", "organization", "supersedes"]
    readonly_fields = [
        "number",
        "application",
        "decision",
        "organization",
        "holder_name",
        "holder_credit_code",
        "holder_address",
        "scope",
        "standard_edition",
        "grade",
        "score",
        "issued_on",
        "expires_on",
        "status",
        "status_changed_at",
        "verification_token",
        "pdf",
        "pdf_sha256",
        "supersedes",
        "delivery_method",
        "delivery_address",
        "delivery_recipient",
        "delivery_phone",
        "tracking_number",
        "posted_at",
        "pdf_attempts",
    ]
    inlines = [SurveillanceInline, CertificateStatusChangeInline]
    change_form_template = "admin/certificates/certificate/change_form.html"
    change_list_template = "admin/certificates/certificate/change_list.html"

    def has_add_permission(self, request):
        return False  # certificates come from granting decisions

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/act/<str:action>/", wrap(self.action_view), name="certificates_certificate_act"),
            path("export/<str:fmt>/", wrap(self.export_view), name="certificates_certificate_export"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        certificate = self.get_object(request, object_id)
        actions = offers(certificate, request.user, FORMS)
        unpaid = services.unpaid_fees(certificate) if certificate else []
        extra_context = {
            **(extra_context or {}),
            "certificate_actions": actions if certificate else [],
            "unpaid_fees": unpaid,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request, pk, action):
        certificate = self.get_object(request, str(pk))
        if certificate is None or action not in FORMS:
            raise Http404
        transition = Certificate.WORKFLOW[action]
        if not transition.permits(request.user, certificate):
            raise PermissionDenied
        # An unpaid fee past due is a reason to consider suspension: the form starts from it (domain.md §4.1).
        initial = (
            {"reason": services.unpaid_fees_reason(services.unpaid_fees(certificate))} if action == "suspend" else {}
        )
        form = FORMS[action](request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                getattr(certificate, action)(by=request.user, **form.cleaned_data)
            except TransitionError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": transition.label})
                return redirect("admin:certificates_certificate_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": certificate,
            "title": f"{transition.label}: {certificate.number}",
            "form": form,
            "refusals": certificate.refusals(action, request.user),
        }
        return TemplateResponse(request, "admin/certificates/certificate/action.html", context)

    def export_view(self, request, fmt):
        if not request.user.has_perm("certificates.view_certificate"):
            raise PermissionDenied  # logged as a DENIED security event (accounts.middleware)
        queryset = self.get_changelist_instance(request).get_queryset(request)
        return register_export.response(queryset, fmt)


@admin.register(CertificateNumberSequence)
class CertificateNumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["year", "last_value"]
    readonly_fields = ["year", "last_value"]

    def has_add_permission(self, request):
        return False


@admin.register(VerificationLookup)
class VerificationLookupAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "query", "found", "certificate", "ip_address"]
    list_filter = ["kind", "found"]
    list_select_related = ["certificate"]
    show_full_result_count = False
