"""How allauth treats our users: the sign-up role and language, where people land after signing in, and its
e-mails (ours: certportal.mail, in the recipient's language, links on SITE_URL)."""

import io
from urllib.parse import urlsplit, urlunsplit

import segno
from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from certportal import mail

from . import mfa, roles

# The links allauth puts in its e-mails, built on the request's host: SITE_URL is the address people use.
LINKS = ("activate_url", "password_reset_url", "signup_url")


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Everyone who signs up is an applicant; e-mails reach them in the language they signed up in."""
        user = super().save_user(request, user, form, commit=False)
        user.language = _supported_language(translation.get_language())
        if commit:
            user.save()
            user.groups.add(Group.objects.get(name=roles.APPLICANT))
        return user

    def get_login_redirect_url(self, request):
        if request.user.is_staff:
            return reverse("admin:index")
        if roles.has_role(request.user, roles.AUDITOR):
            # Remembered in the session so the navbar can show "My audits" without a query on every page.
            request.session["is_auditor"] = True
            return reverse("audits:list")
        return super().get_login_redirect_url(request)

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's e-mails on our layout (templates/account/email, templates/mfa/email), in the language of
        the account the address belongs to, or else the page's."""
        to = [email] if isinstance(email, str) else email
        user = context.get("user") or _account_of(to[0])
        context = {**context, "user": user} | {key: on_site(context[key]) for key in LINKS if key in context}
        language = user.language if user else _supported_language(translation.get_language())
        return mail.message(template_prefix, to, context, language, headers=headers)

    def send_mail(self, template_prefix, email, context):
        """allauth's send_mail without its `current_site` lookup, which needs the request: our layout names the
        body from settings, and a notice allauth sends on commit (a second factor added) may run after the
        request has ended."""
        self.render_mail(template_prefix, email, {"email": email, **context}).send()


def on_site(url: str) -> str:
    """`url` on SITE_URL's scheme and host."""
    parts = urlsplit(url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def _account_of(email: str):
    addressed = Q(email__iexact=email) | Q(emailaddress__email__iexact=email)
    return get_user_model().objects.filter(addressed).order_by("pk").first()


def _supported_language(code: str | None) -> str:
    codes = [c for c, _name in settings.LANGUAGES]
    code = (code or "").lower()
    for candidate in codes:
        if code == candidate or code.startswith(candidate.split("-")[0]):
            return candidate
    return settings.LANGUAGE_CODE


class MFAAdapter(DefaultMFAAdapter):
    def build_totp_svg(self, url: str) -> str:
        """The set-up page's QR code, drawn by segno (the certificates' QR library) rather than qrcode."""
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False)
        return buffer.getvalue().decode()

    def can_delete_authenticator(self, authenticator) -> bool:
        """Staff and auditors must keep their second factor; applicants may turn theirs off."""
        return not mfa.required_for(authenticator.user)
