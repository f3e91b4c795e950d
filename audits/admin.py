from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Audit, AuditTeamMember, Indicator, IndicatorSet, ItemScore, Nonconformity, SpecialFinding


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


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    list_display = ["name", "standard_edition", "version", "is_active", "has_placeholder_points"]
    inlines = [IndicatorInline]


class TeamInline(admin.TabularInline):
    model = AuditTeamMember
    extra = 0
    raw_id_fields = ["auditor"]


@admin.register(Audit)
class AuditAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "status", "planned_start", "planned_end", "score", "grade"]
    list_filter = ["status", "kind"]
    list_select_related = ["application"]
    raw_id_fields = ["application", "created_by"]
    readonly_fields = ["status", "score", "grade", "submitted_at"]
    inlines = [TeamInline]


@admin.register(ItemScore)
class ItemScoreAdmin(SimpleHistoryAdmin):
    list_display = ["audit", "indicator", "points", "not_applicable"]
    list_select_related = ["audit__application", "indicator"]
    raw_id_fields = ["audit", "indicator", "updated_by"]


@admin.register(SpecialFinding)
class SpecialFindingAdmin(admin.ModelAdmin):
    list_display = ["audit", "kind", "description", "created_at"]
    list_select_related = ["audit__application"]
    raw_id_fields = ["audit", "indicator", "created_by"]


@admin.register(Nonconformity)
class NonconformityAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "audit", "severity", "status", "due_date"]
    list_filter = ["status", "severity"]
    list_select_related = ["audit__application"]
    raw_id_fields = ["audit", "indicator", "special_finding", "responded_by", "verified_by"]
    readonly_fields = ["status", "responded_by", "responded_at", "verified_by", "verified_at"]
