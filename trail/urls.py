from django.urls import path

from . import views

app_name = "trail"

urlpatterns = [
    path("checkpoints/", views.checkpoints, name="checkpoints"),
    path("checkpoints/<str:date>.p7s", views.signature, name="signature"),
]
