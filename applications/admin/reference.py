"""Reference data and the organizations: what administrators maintain."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from certportal.history import ReadOnlyHistoryAdmin, ReadOnlyInline, ReadOnlyMixin
from certportal.money import format_money

from ..models import (
    FeeItem,
    FeeSchedule,
    ManDayRule,
    MaterialType,
    Membership,
    Notification,
    Organization,
    Quote,
    QuoteLine,
    ServiceCategory,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "credit_code", "employee_count", "created_at"]
    search_fields = ["name", "credit_code"]
    inlines = [MembershipInline]


@admin.register(MaterialType)
class MaterialTypeAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name_zh", "name_en", "required", "generated_form", "is_active"]
    list_display_links = ["code"]
    list_editable = ["order", "required", "is_active"]


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


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = ["name_zh", "name_en", "quantity", "unit_price_shown", "amount_shown"]

    @admin.display(description=gettext_lazy("unit price"))
    def unit_price_shown(self, obj):
        return format_money(obj.unit_price)

    @admin.display(description=gettext_lazy("amount"))
    def amount_shown(self, obj):
        return format_money(obj.amount)


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["application", "event", "man_days", "total_shown", "due_on", "created_at"]
    list_filter = ["event"]
    list_select_related = ["application"]
    raw_id_fields = ["application"]
    readonly_fields = [
        "application",
        "event",
        "certificate",
        "surveillance_review",
        "audit",
        "certificate_year",
        "due_on",
        "schedule",
        "man_days",
        "man_days_set_by",
        "total_shown",
        "created_by",
        "created_at",
    ]
    exclude = ["total"]  # shown as ¥4,800.00 by total_shown
    inlines = [QuoteLineInline]

    @admin.display(description=gettext_lazy("total"), ordering="total")
    def total_shown(self, obj):
        return format_money(obj.total)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A record of what each person was told: readable, never rewritten."""

    list_display = ["user", "kind", "status", "detail", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__email", "detail"]
    show_full_result_count = False


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name_zh", "name_en", "is_active"]
    list_display_links = ["code"]
    list_editable = ["order", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
