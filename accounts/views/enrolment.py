"""The enrolment page: a new account's holder opens the link, sets a password and goes on to the second factor."""

from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.internal.flows.login import perform_password_login, record_authentication
from allauth.account.models import Login
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import enrolment


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def enrol(request, token: str):
    try:
        user = enrolment.user_for_token(token)
    except enrolment.EnrolmentError as error:
        return render(request, "accounts/enrol_invalid.html", {"reason": str(error)}, status=410)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = enrolment.enrol(user, form.cleaned_data["new_password1"])
        except enrolment.EnrolmentError as error:
            return render(request, "accounts/enrol_invalid.html", {"reason": str(error)}, status=410)
        # Signed in through allauth (as the admin's sign-in is), then on to the second factor's page. The password
        # typed here also counts as a fresh re-authentication, which allauth asks for before adding a passkey.
        login = Login(user=user, email_verification=EmailVerificationMethod.NONE, redirect_url=reverse("mfa_index"))
        response = perform_password_login(request, {"username": user.get_username()}, login)
        if request.user.pk == user.pk:
            record_authentication(request, user, method="password", reauthenticated=True)
        return response
    return render(request, "accounts/enrol.html", {"form": form, "enrolling": user})
