"""What the audit team records on site, read-only in the admin: scores, special findings, nonconformities with
their corrective actions and evidence, and the photos."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certportal.history import ReadOnlyHistoryAdmin, ReadOnlyInline, ReadOnlyMixin

from ..models import AuditPhoto, CorrectiveAction, ItemScore, Nonconformity, SpecialFinding


class CorrectiveActionInline(ReadOnlyInline):
    model = CorrectiveAction
    fields = ["round", "text", "submitted_by", "submitted_at", "evidence_files"]

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


@admin.register(AuditPhoto)
class AuditPhotoAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only: photos are taken on site. Staff see the stripped picture; the original (EXIF and GPS kept as
    evidence) only with the audits.view_original_photo permission, as a download."""

    list_display = ["preview", "audit", "indicator", "caption", "status", "in_report", "uploaded_by", "uploaded_at"]
    list_display_links = ["audit"]  # not the preview, which is a link to the picture (no link inside a link)
    list_filter = ["status", "in_report"]
    list_select_related = ["audit__application", "indicator", "uploaded_by"]
    # a tuple: django-stubs gives `fields` and `readonly_fields` list types that no one list fits, a tuple fits both
    fields = ("preview", "audit", "indicator", "caption", "in_report", "status", "original_link", "sha256", "size")
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
