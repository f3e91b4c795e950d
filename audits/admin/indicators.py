"""Indicator sets: the scoring sheet audits are scored against. A set that audits used is read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Indicator, IndicatorSet


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

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.is_in_use)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_in_use)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_in_use)


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    """A set that audits used is read-only (they keep the points they were scored against): copy it instead."""

    list_display = ["name", "standard_edition", "version", "is_active", "has_placeholder_points", "in_use"]
    readonly_fields = ["is_active"]  # switched with the "activate" action, which deactivates the others
    inlines = [IndicatorInline]
    actions = ["copy_as_new_version", "activate"]

    @admin.display(boolean=True, description=gettext_lazy("used by audits"))
    def in_use(self, obj):
        return obj.is_in_use

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_in_use)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_in_use)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_in_use and request.method == "GET":
            messages.info(
                request, _("Audits were scored against this set, so it is read-only; copy it to a new version.")
            )
        if obj is not None and obj.has_placeholder_points and request.method == "GET":
            messages.warning(request, _("Placeholder points: enter the body's scoring sheet (or import it)."))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("Copy to a new version"), permissions=["add"])
    def copy_as_new_version(self, request, queryset):
        for indicator_set in queryset:
            copy = indicator_set.copy_as_new_version()
            messages.success(request, _("Created %(set)s (not active yet).") % {"set": copy})

    @admin.action(description=gettext_lazy("Use for new audits (activate)"), permissions=["add"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            messages.error(request, _("Choose exactly one indicator set to activate."))
            return
        indicator_set = queryset.get()
        indicator_set.activate()
        messages.success(request, _("%(set)s is used for audits planned from now on.") % {"set": indicator_set})
