"""The admin's generated forms check typed text like every other form of the project (issue 14, point 7).

Django's admin builds a ModelForm per page (`ModelAdmin.get_form`), per inline (`InlineModelAdmin.get_formset`) and
for the editable columns of a list (`get_changelist_form`). `checked_admin` puts `CheckedTextMixin` in front of each
of them; accounts.admin_site.AdminSite.register applies it to every admin registered on the site, so no admin (the
project's, allauth's, django-celery's…) can be left out.
"""

from django import forms
from django.contrib import admin

from .text import CheckedTextMixin


def checked_form(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """`form_class` with the text check in front (unchanged when it already has it)."""
    if issubclass(form_class, CheckedTextMixin):
        return form_class
    return type(form_class.__name__, (CheckedTextMixin, form_class), {"__module__": form_class.__module__})


def checked_formset(formset_class):
    """The formset class with its form checked."""
    if issubclass(formset_class.form, CheckedTextMixin):
        return formset_class
    return type(formset_class.__name__, (formset_class,), {"form": checked_form(formset_class.form)})


class CheckedInlineMixin:
    def get_formset(self, request, obj=None, **kwargs):
        return checked_formset(super().get_formset(request, obj, **kwargs))


class CheckedModelAdminMixin:
    def get_form(self, request, obj=None, change=False, **kwargs):
        return checked_form(super().get_form(request, obj, change=change, **kwargs))

    def get_changelist_form(self, request, **kwargs):
        return checked_form(super().get_changelist_form(request, **kwargs))


def checked_inline(inline_class: type[admin.options.InlineModelAdmin]) -> type[admin.options.InlineModelAdmin]:
    if issubclass(inline_class, CheckedInlineMixin):
        return inline_class
    return type(inline_class.__name__, (CheckedInlineMixin, inline_class), {"__module__": inline_class.__module__})


def checked_admin(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """`admin_class` whose page, list and inline forms all check their text."""
    if issubclass(admin_class, CheckedModelAdminMixin):
        return admin_class
    attrs = {
        "__module__": admin_class.__module__,
        "inlines": [checked_inline(inline) for inline in admin_class.inlines],
    }
    return type(admin_class.__name__, (CheckedModelAdminMixin, admin_class), attrs)
