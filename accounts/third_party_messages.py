"""Messages of third-party packages that staff see in the admin but that have no zh-hans translation there
(django-axes has no zh-hans catalogue; Django's admin lacks a few recent strings). Listing them here keeps them in
locale/zh_Hans, which Django reads before the packages' own catalogues. Never imported; `make messages` reads it."""

from django.utils.translation import gettext_noop as _

MESSAGES = [
    # django.contrib.admin (admin/app_list.html: column headers for screen readers)
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
    # django-axes: models and admin
    _("access attempt"),
    _("access attempts"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("Access Attempt"),
    _("Access lock out"),
    _("Attempt Time"),
    _("Attempt Remaining"),
    _("Clean up expired attempts"),
    _("Expires At"),
    _("Failed Logins"),
    _("Form Data"),
    _("GET Data"),
    _("HTTP Accept"),
    _("IP Address"),
    _("Locked Out"),
    _("Logout Time"),
    _("Meta Data"),
    _("Not set"),
    _("POST Data"),
    _("Path"),
    _("Session key hash (sha256)"),
    _("The time when access attempt expires and is no longer valid."),
    _("User Agent"),
    _("Username"),
]
