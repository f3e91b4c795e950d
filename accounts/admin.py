from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["username", "email", "full_name"]
    list_filter = ["is_staff", "is_active", "groups"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ["full_name", "phone", "language"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((None, {"fields": ["email", "full_name", "language"]}),)
