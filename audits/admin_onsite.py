"""Admin pieces for the on-site audit (issue 5): reopening a submitted report with a reason, the report and photo
links, corrective actions with their evidence. Registered from audits/admin.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certportal.history import ReadOnlyMixin
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError

from .models import Audit, AuditPhoto, CorrectiveAction


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


class CorrectiveActionInline(admin.TabularInline):
    model = CorrectiveAction
    extra = 0
    can_delete = False
    fields = ["round", "text", "submitted_by", "submitted_at", "evidence_files"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("evidence"))
    def evidence_files(self, obj):
        uploaded, stored = _("SHA-256 as uploaded"), _("SHA-256 of the stored file")
        files = [
            (
                reverse("audits:evidence", args=[f.pk]),
                f.original_name,
                uploaded,
                f.sha256,
                stored,
                f.stored_sha256 or "–",
            )
            for f in obj.evidence.all()
        ]
        row = '<a href="{}">{}</a><br><small>{}: <code>{}</code><br>{}: <code>{}</code></small>'
        return format_html_join(mark_safe("<br>"), row, files) or "–"  # noqa: S308


@admin.register(AuditPhoto)
class AuditPhotoAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only: photos are taken on site. Staff see the stripped picture; the original (EXIF and GPS kept as
    evidence) only with the audits.view_original_photo permission, as a download."""

    list_display = ["preview", "audit", "indicator", "caption", "status", "in_report", "uploaded_by", "uploaded_at"]
    list_display_links = ["audit"]  # not the preview, which is a link to the picture (no link inside a link)
    list_filter = ["status", "in_report"]
    list_select_related = ["audit__application", "indicator", "uploaded_by"]
    fields = ["preview", "audit", "indicator", "caption", "in_report", "status", "original_link", "sha256", "size"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("picture"))
    def preview(self, obj):
        if obj.status != AuditPhoto.Status.READY:
            return obj.get_status_display()
        src = reverse("audits:photo", args=[obj.pk, "thumb"])
        alt = obj.caption or obj.original_name  # the link's name for screen readers
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" width="96"></a>', src.replace("thumb", "picture"), src, alt
        )

    @admin.display(description=gettext_lazy("original"))
    def original_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("audits:photo_original", args=[obj.pk]), obj.original_name)
