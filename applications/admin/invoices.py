"""Invoice (发票) requests in the admin: finance staff (those who confirm payments) issue the e-invoice by uploading
its file with its number and date, and void an issued one (红冲) with a reason. Both are the request's declared
transitions (InvoiceRequest.WORKFLOW); the page offers them only to whom the table allows."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from certportal.downloads import attachment_response
from certportal.history import ReadOnlyHistoryAdmin, ReadOnlyMixin
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError

from .. import einvoice, permissions
from ..models import InvoiceRequest
from .actions import ActionForm

INVOICE_NUMBER = r"^[0-9]{8,20}$"


class IssueInvoiceForm(CheckedTextMixin, forms.Form):
    expected_status = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    file = forms.FileField(
        label=gettext_lazy("E-invoice file"),
        help_text=gettext_lazy("PDF, OFD or XML, as the tax system issued it."),
        widget=forms.ClearableFileInput(attrs={"accept": einvoice.ACCEPT_ATTRIBUTE}),
    )
    number = forms.RegexField(
        label=gettext_lazy("Invoice number"),
        regex=INVOICE_NUMBER,
        max_length=20,
        error_messages={"invalid": gettext_lazy("An invoice number has 8 to 20 digits (20 for a fully digital one).")},
    )
    issued_on = forms.DateField(
        label=gettext_lazy("Invoice date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_file(self):
        return einvoice.check_invoice_file(self.cleaned_data["file"])

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on > timezone.localdate():
            raise ValidationError(_("The invoice date cannot be in the future."))
        return issued_on


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(ReadOnlyMixin, ReadOnlyHistoryAdmin):
    """Fapiao requests: the latest request of a payment counts; issue and void on the request's page."""

    list_display = ["payment", "application", "kind", "title", "taxpayer_id", "status_badge", "requested_at", "number"]
    list_select_related = ["payment__application"]
    list_filter = ["status", "kind"]
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["=payment__reference", "=number", "title", "taxpayer_id"]
    show_full_result_count = False
    readonly_fields = [
        "payment",
        "kind",
        "title",
        "taxpayer_id",
        "email",
        "address",
        "phone",
        "bank_name",
        "bank_account",
        "requested_by",
        "requested_at",
        "status",
        "number",
        "issued_on",
        "issued_by",
        "issued_at",
        "e_invoice",
        "void_reason",
        "voided_by",
        "voided_at",
    ]
    history_list_display = ["status", "number"]
    change_form_template = "admin/applications/invoicerequest/change_form.html"

    @admin.display(description=gettext_lazy("application"))
    def application(self, obj):
        url = reverse("admin:applications_application_change", args=[obj.payment.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.payment.application.reference)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="cp-status cp-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=gettext_lazy("e-invoice file"))
    def e_invoice(self, obj):
        stored = obj.issued_file
        if stored is None:
            return "–"
        url = reverse("admin:applications_invoicerequest_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a> · SHA-256 <code>{}</code>', url, stored.original_name, stored.sha256)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                {
                    "issue_form": IssueInvoiceForm(initial={"issued_on": timezone.localdate()})
                    if obj.offers("issue", request.user)
                    else None,
                    "issue_refusals": obj.refusals("issue", request.user) if obj.offers("issue", request.user) else [],
                    "may_void": obj.offers("void", request.user),
                    "void_form": ActionForm(),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        name = "applications_invoicerequest_"
        return [
            path("<int:pk>/issue/", wrap(issue), name=name + "issue"),
            path("<int:pk>/void/", wrap(void), name=name + "void"),
            path("<int:pk>/file/", wrap(download), name=name + "file"),
            *super().get_urls(),
        ]


@require_POST
def issue(request, pk):
    if not permissions.can_issue_invoice(request.user):
        raise PermissionDenied
    invoice = get_object_or_404(InvoiceRequest.objects.select_related("payment__application"), pk=pk)
    form = IssueInvoiceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("admin:applications_invoicerequest_change", pk)
    data = form.cleaned_data
    return _perform(
        request,
        lambda: invoice.issue(
            data["file"],
            by=request.user,
            number=data["number"],
            issued_on=data["issued_on"],
            expected=data["expected_status"],
        ),
        _("Invoice issued; the applicant was told and can download it."),
        pk,
    )


@require_POST
def void(request, pk):
    if not permissions.can_issue_invoice(request.user):
        raise PermissionDenied
    invoice = get_object_or_404(InvoiceRequest.objects.select_related("payment__application"), pk=pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("admin:applications_invoicerequest_change", pk)
    data = form.cleaned_data
    return _perform(
        request,
        lambda: invoice.void(by=request.user, reason=data["reason"], expected=data["expected_status"]),
        _("Invoice voided; the applicant was told and may request a new one."),
        pk,
    )


def download(request, pk):
    if not (request.user.is_staff and request.user.has_perm("applications.view_invoicerequest")):
        raise PermissionDenied
    invoice = get_object_or_404(InvoiceRequest.objects.select_related("file"), pk=pk)
    stored = invoice.issued_file
    if stored is None:
        raise Http404
    return attachment_response(stored.file, stored.original_name, stored.content_type)


def _perform(request, act, success: str, pk):
    try:
        with transaction.atomic():
            act()
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("admin:applications_invoicerequest_change", pk)
