from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin with the two-factor rules of accounts.admin_site (kept apart: this loads before any model)."""

    default_site = "accounts.admin_site.AdminSite"
