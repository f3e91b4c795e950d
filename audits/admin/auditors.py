"""Auditors: their registration, competences and declared conflicts of interest."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from certportal.history import ReadOnlyHistoryAdmin

from ..models import AuditorProfile, ConflictOfInterest


class ConflictInline(admin.TabularInline):
    model = ConflictOfInterest
    extra = 0
    fields = ["organization", "reason", "declared_on", "ends_on"]
    autocomplete_fields = ["organization"]


@admin.register(AuditorProfile)
class AuditorProfileAdmin(ReadOnlyHistoryAdmin):
    list_display = ["user", "registration_number", "competence_list", "conflict_count"]
    search_fields = ["user__username", "user__full_name", "registration_number"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["competences"]
    inlines = [ConflictInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("competences", "conflicts")

    @admin.display(description=gettext_lazy("competence categories"))
    def competence_list(self, obj):
        return ", ".join(str(c) for c in obj.competences.all()) or "–"

    @admin.display(description=gettext_lazy("conflicts declared"))
    def conflict_count(self, obj):
        return len(obj.conflicts.all())
