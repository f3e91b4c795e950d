from django.contrib import admin
from django.urls import include, path

from . import health, metrics, staff, views

admin.site.site_header = "certportal"
admin.site.site_title = "certportal"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", views.home, name="home"),
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    path("metrics/", metrics.metrics, name="metrics"),
    path("admin/dashboard/", admin.site.admin_view(staff.dashboard), name="staff_dashboard"),
    path("admin/", admin.site.urls),
    path("accounts/enrol/", include("accounts.urls")),  # one-time enrolment links (issue 14)
    path("accounts/", include("allauth.urls")),
    path("portal/", include("applications.urls")),
    path("audits/", include("audits.urls")),
    path("", include("certificates.urls")),
]
