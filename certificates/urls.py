from django.urls import path

from . import portal, views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.register, name="register"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("verify/<str:token>/compare/", views.compare_pdf, name="compare"),
    path("certificates/", portal.certificate_list, name="list"),
    path("certificates/<int:pk>/", portal.certificate_detail, name="detail"),
    path("certificates/<int:pk>/pdf/", portal.certificate_pdf, name="pdf"),
    path("certificates/<int:pk>/delivery/", portal.choose_delivery, name="delivery"),
    path("certificates/<int:pk>/recertify/", portal.apply_for_recertification, name="recertify"),
]
