from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from certportal.history import ReadOnlyMixin

from .models import SecurityEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["username", "email", "full_name"]
    list_filter = ["is_staff", "is_active", "groups"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ["full_name", "phone", "language"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((None, {"fields": ["email", "full_name", "language"]}),)


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
