from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrailConfig(AppConfig):
    name = "trail"
    verbose_name = _("Certification record")
    default_auto_field = "django.db.models.BigAutoField"
