"""The security event log (accounts.security_log), readable in the admin and never rewritten."""

from django.contrib import admin

from certportal.history import ReadOnlyMixin

from ..models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only for those with the view permission (administrators); nobody adds, changes or deletes."""

    list_display = ["at", "kind", "username", "user", "ip_address", "method", "path", "object_ref", "detail"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "ip_address", "path", "object_ref"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    show_full_result_count = False
    actions = None
