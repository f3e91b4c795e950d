from django.urls import path

from .views import auditing, photos, results

app_name = "audits"

urlpatterns = [
    # the auditor's pages
    path("", auditing.my_audits, name="list"),
    path("<int:pk>/", auditing.audit_form, name="form"),
    path("<int:pk>/start/", auditing.start_audit, name="start"),
    path("<int:pk>/items/<int:indicator_pk>/", auditing.save_item, name="save_item"),
    path("<int:pk>/special-findings/", auditing.add_special_finding, name="add_special_finding"),
    path("<int:pk>/nonconformities/", auditing.add_nonconformity, name="add_nonconformity"),
    path("<int:pk>/submit/", auditing.submit_report, name="submit"),
    # photos
    path("<int:pk>/photos/", photos.upload_photo, name="upload_photo"),
    path("photos/<int:pk>/status/", photos.photo_status, name="photo_status"),
    path("photos/<int:pk>/original/", photos.photo_original, name="photo_original"),
    path("photos/<int:pk>/in-report/", photos.photo_in_report, name="photo_in_report"),
    path("photos/<int:pk>/<slug:variant>.jpg", photos.photo, name="photo"),
    # after the report: applicant and team
    path("<int:pk>/result/", results.result, name="result"),
    path("<int:pk>/report.pdf", results.report_pdf, name="report_pdf"),
    path("nonconformities/<int:pk>/", results.nonconformity, name="nonconformity"),
    path("nonconformities/<int:pk>/respond/", results.respond, name="respond"),
    path("nonconformities/<int:pk>/verify/", results.verify, name="verify"),
    path("nonconformities/<int:pk>/reopen/", results.reopen, name="reopen"),
    path("evidence/<int:pk>/", results.evidence, name="evidence"),
]
