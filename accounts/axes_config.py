from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    """django-axes (sign-in lockouts) under a translated name in the admin; the package has no zh-hans catalogue."""

    verbose_name = _("Sign-in lockouts")
