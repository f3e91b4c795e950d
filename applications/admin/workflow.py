"""Material items, files and payments on their own lists (queues across applications), with their history."""

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certportal.history import ReadOnlyHistoryAdmin, ReadOnlyMixin
from certportal.money import format_money
from certportal.workflow import TransitionError

from .. import permissions
from ..models import MaterialFile, MaterialItem, Payment, PaymentEvent
from . import decisions


class ApplicationLinkMixin:
    @admin.display(description=gettext_lazy("application"), ordering="application")
    def application_link(self, obj):
        url = reverse("admin:applications_application_change", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.application.reference)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="cp-status cp-status-{}">{}</span>', obj.status, obj.get_status_display())


@admin.register(MaterialItem)
class MaterialItemAdmin(ReadOnlyMixin, ApplicationLinkMixin, ReadOnlyHistoryAdmin):
    list_display = ["application_link", "material_type", "status_badge", "reviewed_by", "reviewed_at"]
    list_display_links = ["material_type"]  # the first column is a link to the application (no link inside a link)
    list_filter = ["status", "material_type"]
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["application", "material_type", "reviewed_by"]
    show_full_result_count = False
    raw_id_fields = ["application", "reviewed_by"]
    readonly_fields = ["application", "material_type", "status", "reason", "reviewed_by", "reviewed_at", "to_reconfirm"]
    history_list_display = ["status", "reason"]


@admin.register(MaterialFile)
class MaterialFileAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["original_name", "item", "version", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["item__material_type", "item__application", "uploaded_by"]
    show_full_result_count = False
    readonly_fields = [
        "item",
        "version",
        "download",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "stored_sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    exclude = ["file"]

    @admin.display(description=gettext_lazy("file"))
    def download(self, obj):
        url = reverse("admin:applications_application_material_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, ApplicationLinkMixin, ReadOnlyHistoryAdmin):
    list_display = ["reference", "application_link", "amount_shown", "method", "status_badge", "receipt_uploaded_at"]
    list_filter = ["status", "method"]
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["=reference"]
    list_select_related = ["application"]
    show_full_result_count = False
    raw_id_fields = ["application", "quote"]
    readonly_fields = [
        "application",
        "quote",
        "amount_shown",
        "method",
        "reference",
        "status",
        "receipt_link",
        "receipt_uploaded_at",
        "reason",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    exclude = ["receipt", "receipt_name", "amount"]  # the amount as ¥4,800.00: amount_shown
    actions = ["confirm_selected"]
    history_list_display = ["status", "reason"]

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_shown(self, obj):
        return format_money(obj.amount)

    @admin.display(description=gettext_lazy("receipt"))
    def receipt_link(self, obj):
        if not obj.receipt:
            return "–"
        url = reverse("admin:applications_application_receipt", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.receipt_name or _("Download"))

    @admin.action(description=gettext_lazy("Confirm the selected payments"), permissions=["confirm"])
    def confirm_selected(self, request, queryset):
        done = 0
        for payment in queryset.select_related("application").order_by("pk"):
            try:
                with transaction.atomic():
                    decisions.confirm_payment(payment, by=request.user)
            except TransitionError as error:
                messages.error(request, f"{payment.reference}: {error.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("%(count)d payments confirmed.") % {"count": done})

    def has_confirm_permission(self, request):
        return permissions.can_confirm_payment(request.user)


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Callbacks from online payment providers, as received (replays show as ignored)."""

    list_display = ["received_at", "provider", "event_id", "payment", "result", "detail"]
    list_select_related = ["payment"]
    list_filter = ["provider", "result"]
    search_fields = ["=event_id", "=payment__reference"]
    show_full_result_count = False
