"""allauth's code forms (sign-in and re-authentication) with the wrong-code lock of accounts.mfa in front."""

from allauth.mfa.base import forms as allauth_forms
from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext

from . import mfa, security_log
from .models import SecurityEvent


class LockMixin(allauth_forms.BaseAuthenticateForm):
    def clean_code(self) -> str:
        until = mfa.locked_until(self.user)
        if until is not None:
            security_log.record(
                SecurityEvent.Kind.MFA_FAILED,
                _current_request(),
                user=self.user,
                detail="refused: the second factor is locked",
            )
            raise _locked_error(until)
        try:
            code = super().clean_code()
        except forms.ValidationError as error:
            if error.code == "incorrect_code":
                mfa.count_wrong_code(_current_request(), self.user)
                until = mfa.locked_until(self.user)
                if until is not None:
                    raise _locked_error(until) from error
            raise
        mfa.reset_wrong_codes(self.user)
        return code


def _locked_error(until) -> forms.ValidationError:
    time_text = formats.time_format(timezone.localtime(until), "H:i")
    return forms.ValidationError(
        gettext(
            "Too many wrong codes: the second factor of this account is locked until %(time)s. "
            "Try again then, or ask an administrator."
        )
        % {"time": time_text},
        code="mfa_locked",
    )


def _current_request():
    from allauth.core import context

    return context.request


class AuthenticateForm(LockMixin, allauth_forms.AuthenticateForm):
    pass


class ReauthenticateForm(LockMixin, allauth_forms.ReauthenticateForm):
    pass
