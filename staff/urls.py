from django.contrib import admin
from django.urls import path

from .views import dashboard, finance, record

# Under admin/, with the admin's sign-in and second factor (admin_view); named without a namespace, as the admin's
# templates link to it.
urlpatterns = [
    path("dashboard/", admin.site.admin_view(dashboard.dashboard), name="staff_dashboard"),
    path("finance/", admin.site.admin_view(finance.finance_report), name="staff_finance_report"),
    # Its own checks first (a 404 for outsiders), then the admin's sign-in and second factor.
    path("cases/<int:pk>/record.zip", record.case_record, name="staff_case_record"),
]
