from django.urls import path

from .views import holder, public

app_name = "certificates"

urlpatterns = [
    path("verify/", public.register, name="register"),
    path("verify/<str:token>/", public.verify, name="verify"),
    path("verify/<str:token>/compare/", public.compare_pdf, name="compare"),
    path("certificates/", holder.certificate_list, name="list"),
    path("certificates/<int:pk>/", holder.certificate_detail, name="detail"),
    path("certificates/<int:pk>/pdf/", holder.certificate_pdf, name="pdf"),
    path("certificates/<int:pk>/delivery/", holder.choose_delivery, name="delivery"),
    path("certificates/<int:pk>/recertify/", holder.apply_for_recertification, name="recertify"),
]
