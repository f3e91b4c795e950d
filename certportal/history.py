"""Read-only history in the admin for the workflow models (django-simple-history)."""

from datetime import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils import formats, timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper


class LabelledChanges(HistoricalRecordContextHelper):
    """The changes between two versions as people read them: a choice's label, not its stored code; a moment in
    local time, not UTC. (simple-history already names each field by its verbose name.)"""

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, datetime):
            return formats.date_format(
                timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT"
            )
        field = self.model._meta.get_field(change.field)
        if field.choices and value not in (None, ""):
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class ReadOnlyMixin:
    """An admin that shows records and never adds, edits or deletes them: workflow records change through their
    named transitions (the buttons on the application page, the portal), logs and lookups only grow."""

    def has_add_permission(self, request, obj=None):  # an inline's is asked with its parent, a ModelAdmin's without
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    """Rows shown on their parent's page and never added, edited or deleted there: each of `fields` is displayed
    read-only (a method of the inline among them too)."""

    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Shows every version with who, when and why, and never saves one back.

    simple-history saves a POSTed historical version (a "revert") even with SIMPLE_HISTORY_REVERT_DISABLED and for
    users who may only view, which would move a status without its transition.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return LabelledChanges(self.model, historical_record)
