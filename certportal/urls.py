from django.contrib import admin
from django.urls import include, path

from . import health, metrics, views

admin.site.site_header = "certportal"
admin.site.site_title = "certportal"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", views.home, name="home"),
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    path("metrics/", metrics.metrics, name="metrics"),
    path("admin/", include("staff.urls")),
    path("admin/", admin.site.urls),
    path("accounts/enrol/", include("accounts.urls")),  # one-time enrolment links
    path("accounts/", include("allauth.urls")),
    path("portal/", include("applications.urls")),
    path("audits/", include("audits.urls")),
    path("trail/", include("trail.urls")),
    path("", include("certificates.urls")),
]
