from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Application,
    ApplicationStatusChange,
    FeeItem,
    FeeSchedule,
    ManDayRule,
    MaterialFile,
    MaterialItem,
    MaterialType,
    Membership,
    Notification,
    Organization,
    Payment,
    Quote,
    QuoteLine,
    ServiceCategory,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "credit_code", "employee_count", "created_at"]
    search_fields = ["name", "credit_code"]
    inlines = [MembershipInline]


class StatusChangeInline(admin.TabularInline):
    model = ApplicationStatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class MaterialItemInline(admin.TabularInline):
    model = MaterialItem
    extra = 0
    can_delete = False
    fields = ["material_type", "status", "reason", "reviewed_by", "reviewed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "org_name", "credit_code", "kind", "status", "submitted_at", "grade"]
    list_filter = ["status", "kind"]
    search_fields = ["org_name", "credit_code", "organization__name"]
    list_select_related = ["organization"]
    show_full_result_count = False
    raw_id_fields = ["organization", "renews", "created_by"]
    readonly_fields = ["status", "status_changed_at", "submitted_at", "score", "grade", "created_by", "created_at"]
    inlines = [MaterialItemInline, StatusChangeInline]

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    def has_delete_permission(self, request, obj=None):
        return False  # nothing a user did is ever lost


@admin.register(MaterialType)
class MaterialTypeAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name_zh", "name_en", "required", "generated_form", "is_active"]
    list_display_links = ["code"]
    list_editable = ["order", "required", "is_active"]


@admin.register(MaterialItem)
class MaterialItemAdmin(SimpleHistoryAdmin):
    list_display = ["application", "material_type", "status", "reviewed_at"]
    list_filter = ["status", "material_type"]
    list_select_related = ["application", "material_type"]
    raw_id_fields = ["application", "reviewed_by"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at"]


@admin.register(MaterialFile)
class MaterialFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "item", "version", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["item__material_type", "item__application", "uploaded_by"]
    readonly_fields = [
        "item",
        "version",
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FeeItemInline(admin.TabularInline):
    model = FeeItem
    extra = 0


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "valid_from"]
    inlines = [FeeItemInline]


@admin.register(ManDayRule)
class ManDayRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "initial_total",
        "initial_document_review",
        "initial_onsite",
        "surveillance_total",
        "surveillance_onsite",
        "recertification_total",
        "recertification_onsite",
    ]


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    readonly_fields = ["name_zh", "name_en", "quantity", "unit_price", "amount"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["application", "man_days", "total", "created_at"]
    raw_id_fields = ["application"]
    readonly_fields = ["application", "schedule", "man_days", "total", "created_by", "created_at"]
    inlines = [QuoteLineInline]


@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "application", "amount", "method", "status", "receipt_uploaded_at"]
    list_filter = ["status", "method"]
    search_fields = ["reference"]
    list_select_related = ["application"]
    raw_id_fields = ["application", "quote"]
    readonly_fields = [
        "status",
        "reference",
        "receipt",
        "receipt_name",
        "receipt_uploaded_at",
        "decided_by",
        "decided_at",
    ]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "status", "created_at", "read_at", "emailed_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "application"]


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name_zh", "name_en", "is_active"]
    list_display_links = ["code"]
    list_editable = ["order", "is_active"]
