"""The Django admin with two-factor authentication.

Staff keep the admin's own sign-in form (user name and password); once the password is right, allauth's login
pipeline takes over, so the TOTP step, the sign-in signals and the login throttling are the same as the portal's.
An admin session that has not passed a second factor is not let in (has_permission), whatever its origin.

Beside accounts/admin/, not in it: the site is built when the first app registers a ModelAdmin, which may happen
while accounts/admin/ is being imported; built from inside that package, a second site would replace the first and
lose the registrations made meanwhile (accounts' own).
"""

from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from certportal.admin_forms import checked_admin

from . import mfa


class AdminLoginView(LoginView):
    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def form_valid(self, form):
        """The password is right: hand over to allauth (TOTP step when the user has one, then sign-in)."""
        user = form.get_user()
        login = Login(user=user, email_verification=EmailVerificationMethod.NONE, redirect_url=self.get_success_url())
        return perform_password_login(self.request, {"username": user.get_username()}, login)


class AdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin's generated forms refuse control characters in typed text (certportal.admin_forms)."""
        super().register(model_or_iterable, checked_admin(admin_class or admin.ModelAdmin), **options)

    def has_permission(self, request):
        return super().has_permission(request) and mfa.second_factor_done(request)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not mfa.second_factor_done(request):
            next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
            return mfa.second_factor_step(request, next_url)
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return AdminLoginView.as_view(extra_context=context)(request)
