from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # The data migration creates the role groups; re-syncing after every migrate also gives them the
        # permissions of models (and third-party apps) that arrived later. Configuration, not workflow.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="accounts.sync_roles")
        # The security event log and the second factor recorded at TOTP set-up (logging, not workflow).
        from allauth.mfa.signals import authenticator_added

        from . import checks, mfa, security_log  # noqa: F401 - checks registers the deploy checks

        security_log.connect()
        authenticator_added.connect(mfa.on_authenticator_added, dispatch_uid="accounts.mfa.added")


# Two third-party apps as this project installs them (named in INSTALLED_APPS; not defaults: "accounts" there is
# AccountsConfig).


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the two-factor rules of accounts.admin_site."""

    default = False
    default_site = "accounts.admin_site.AdminSite"


class AxesConfig(axes_apps.AppConfig):
    """django-axes (sign-in lockouts) under a translated name in the admin; the package has no zh-hans catalogue."""

    default = False
    verbose_name = _("Sign-in lockouts")


def _sync_roles(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import sync_role_groups

    sync_role_groups(apps or global_apps)
