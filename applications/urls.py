from django.urls import path

from .views import dashboard, drafting, fees, materials, notifications, online, organizations, status

app_name = "applications"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # organization and its people
    path("organization/", organizations.organization, name="organization"),
    path("organization/new/", organizations.create_organization, name="create_organization"),
    path("organization/edit/", organizations.edit_organization, name="edit_organization"),
    path("organization/invite/", organizations.invite, name="invite"),
    path("organization/invitations/<int:pk>/revoke/", organizations.revoke_invitation, name="revoke_invitation"),
    path("organization/ask-for-access/", organizations.ask_for_access, name="ask_for_access"),
    path(
        "organization/access-requests/<int:pk>/<str:decision>/",
        organizations.answer_access_request,
        name="answer_access_request",
    ),
    path("invitations/<str:token>/", organizations.invitation, name="invitation"),
    # the application
    path("applications/new/", drafting.start_application, name="start"),
    path("applications/<int:pk>/", status.detail, name="detail"),
    path("applications/<int:pk>/self-check/", drafting.self_check, name="self_check"),
    path("applications/<int:pk>/self-check/result/", drafting.self_check_result, name="self_check_result"),
    path("applications/<int:pk>/form/<slug:step>/", drafting.edit_step, name="edit"),
    path("applications/<int:pk>/review/", drafting.review, name="review"),
    path("applications/<int:pk>/submit/", drafting.submit, name="submit"),
    path("applications/<int:pk>/withdraw/", drafting.withdraw, name="withdraw"),
    path("applications/<int:pk>/application-form.pdf", drafting.form_pdf, name="form_pdf"),
    # materials
    path("applications/<int:pk>/materials/", materials.materials, name="materials"),
    path("materials/<int:pk>/upload/", materials.upload_material, name="upload_material"),
    path("files/<int:pk>/", materials.download_material_file, name="material_file"),
    path("material-templates/<int:pk>/", materials.download_template, name="material_template"),
    # fee and payment
    path("applications/<int:pk>/fee/", fees.fee, name="fee"),
    path("payments/<int:pk>/receipt/", fees.upload_receipt, name="upload_receipt"),
    path("payments/<int:pk>/receipt/download/", fees.download_receipt, name="payment_receipt"),
    path("payments/<int:pk>/invoice/", fees.request_invoice, name="request_invoice"),
    path("invoices/<int:pk>/download/", fees.download_invoice, name="invoice_file"),
    path("payments/<int:pk>/pay/<slug:provider>/", fees.pay_online, name="pay_online"),
    path("payments/sandbox/<str:token>/", fees.sandbox_bank, name="sandbox_bank"),
    path("payments/callback/<slug:provider>/", fees.payment_callback, name="payment_callback"),
    path("payments/alipay/return/", fees.alipay_return, name="alipay_return"),
    path("payments/orders/<int:pk>/wechat/", online.wechat_order, name="wechat_order"),
    path("payments/orders/<int:pk>/status/", online.order_status, name="order_status"),
    # notifications
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.mark_read, name="mark_all_read"),
    path("notifications/<int:pk>/read/", notifications.mark_read, name="mark_read"),
]
