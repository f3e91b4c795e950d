from django.urls import path

from .views import enrolment

app_name = "accounts"
urlpatterns = [
    path("<str:token>/", enrolment.enrol, name="enrol"),
]
