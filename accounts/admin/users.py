"""Accounts in the back office: administrators create them (the person sets the password through an
enrolment link) and give them roles, never to an applicant organization's people."""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certportal.text import CheckedTextMixin

from .. import enrolment, roles
from ..models import User


class UserAdminForm(CheckedTextMixin, auth_forms.UserChangeForm):
    """The admin's user form: an account that is or was in an applicant organization never becomes staff, an
    auditor, a reviewer, a decision-maker or an administrator (design.md §3.1)."""

    class Meta(auth_forms.UserChangeForm.Meta):  # type: ignore[name-defined]  # django-stubs leaves out this Meta
        model = User

    def clean(self):
        data = super().clean()
        if self.instance.pk is None or not self._gives_body_standing(data):
            return data
        organizations = organizations_of(self.instance)
        if organizations:
            raise forms.ValidationError(
                gettext(
                    "%(user)s is or was a member of %(organizations)s: an account of an applicant organization cannot "
                    "be made staff or given a reviewer, auditor, decision-maker or administrator role "
                    "(impartiality). Give the person a separate account for this work and declare the tie as a "
                    "conflict of interest."
                )
                % {"user": self.instance, "organizations": ", ".join(organizations)}
            )
        return data

    def _gives_body_standing(self, data) -> bool:
        """True when this change adds the staff flag, the superuser flag or a role of the body's people. What the
        account already had is not re-judged, so an older account can still be edited or deactivated."""
        # self.instance still holds the stored flags and groups here (the form applies them after clean()).
        before = {flag for flag in ("is_staff", "is_superuser") if getattr(self.instance, flag)}
        before |= set(self.instance.groups.filter(name__in=roles.BODY_ROLES).values_list("name", flat=True))
        after = {flag for flag in ("is_staff", "is_superuser") if data.get(flag)}
        after |= {group.name for group in data.get("groups") or [] if group.name in roles.BODY_ROLES}
        return bool(after - before)


def organizations_of(user) -> list[str]:
    """The names of the applicant organizations `user` belongs or belonged to (a membership's history keeps one
    that ended). The models are looked up by name: accounts imports nothing of the other apps."""
    Membership = apps.get_model("applications", "Membership")
    Organization = apps.get_model("applications", "Organization")
    ids = set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    ids |= set(Membership.history.filter(user_id=user.pk).values_list("organization_id", flat=True))
    if not ids:
        return []
    names = list(Organization.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True))
    return names or [gettext("an organization that no longer exists")]


class UserAddForm(CheckedTextMixin, forms.ModelForm):
    """An administrator creates an account without a password: the person sets their own through the enrolment
    link e-mailed to them (accounts.enrolment), so nobody else ever knows it."""

    class Meta:
        model = User
        fields = ["username", "email", "full_name", "language"]
        field_classes = {"username": auth_forms.UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(gettext("An account with this e-mail address already exists."))
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminForm  # refuses a staff flag or a body role for an account that is or was an applicant's
    add_form = UserAddForm
    add_fieldsets = ((None, {"classes": ["wide"], "fields": ["username", "email", "full_name", "language"]}),)
    actions = ["send_enrolment_link"]
    list_display = ["username", "email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["username", "email", "full_name"]
    list_filter = ["is_staff", "is_active", "groups"]
    # UserAdmin's fieldsets is a tuple, which django-stubs types as possibly None
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ["full_name", "phone", "language"]}),)  # type: ignore[operator]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            enrolment.send_link(obj)
            self.message_user(request, _enrolment_sent_message(obj), messages.SUCCESS)

    @admin.action(description=_("Send a new enrolment link"))
    def send_enrolment_link(self, request, queryset):
        """For accounts that have not set their password yet; any earlier link stops working."""
        for user in queryset:
            try:
                enrolment.send_link(user)
            except enrolment.EnrolmentError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(request, _enrolment_sent_message(user), messages.SUCCESS)


def _enrolment_sent_message(user) -> str:
    return gettext("Enrolment sent: %(email)s received a link, valid once for %(hours)d hours, to set a password.") % {
        "email": user.email,
        "hours": enrolment.link_hours(),
    }
