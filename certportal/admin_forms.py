"""The admin's generated forms check typed text like every other form of the project, and
each of their inputs has an accessible name.

Django's admin builds a ModelForm per page (`ModelAdmin.get_form`), per inline (`InlineModelAdmin.get_formset`) and
for the editable columns of a list (`get_changelist_form`). `checked_admin` puts `CheckedTextMixin` and
`NamedInputsMixin` in front of each of them; accounts.admin_site.AdminSite.register applies it to every admin registered on the site, so no admin (the
project's, allauth's, django-celery's…) can be left out.
"""

from typing import cast

from django import forms
from django.contrib import admin
from django.forms.widgets import Input
from django.utils.translation import gettext as _

from .text import CheckedTextMixin


class NamedInputsMixin:
    """Every input gets its field's label as aria-label. The admin shows an inline table's and an editable list's
    inputs under a column heading, without a <label>, and the two inputs of a date and time field (a fieldset since
    Django 5.0) under a legend: screen readers would announce them without a name (axe-core's label rule)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_inputs(cast(forms.BaseForm, self))  # put in front of a form class only (checked_form)


class NamedInputsFormSetMixin(forms.BaseFormSet):
    """The fields a formset adds to each of its forms (an inline row's "delete" box) are named too."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name_inputs(form)


def name_inputs(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        label = str(field.label)
        widget = getattr(field.widget, "widget", field.widget)  # the select inside a related-object wrapper
        if isinstance(widget, forms.MultiWidget):
            for number, part in enumerate(widget.widgets, start=1):
                part.attrs.setdefault("aria-label", f"{label}: {part_name(part, number)}")
        elif isinstance(widget, (Input, forms.Select, forms.Textarea)) and not widget.is_hidden:
            widget.attrs.setdefault("aria-label", label)  # not a radio list or a <div> (read-only hash)


def part_name(widget: forms.Widget, number: int) -> str:
    """What one input of a multi-input field holds: the date, the time, else its place."""
    if isinstance(widget, forms.DateInput):
        return _("Date")
    if isinstance(widget, forms.TimeInput):
        return _("Time")
    return str(number)


def checked_form(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """`form_class` with the text check and the inputs' names in front (unchanged when it already has them)."""
    missing = tuple(mixin for mixin in (CheckedTextMixin, NamedInputsMixin) if not issubclass(form_class, mixin))
    if not missing:
        return form_class
    return type(form_class.__name__, (*missing, form_class), {"__module__": form_class.__module__})


def checked_formset(formset_class):
    """The formset class with its form checked and its own fields named."""
    if issubclass(formset_class, NamedInputsFormSetMixin):
        return formset_class
    form = checked_form(formset_class.form)
    return type(formset_class.__name__, (NamedInputsFormSetMixin, formset_class), {"form": form})


class CheckedInlineMixin(admin.options.InlineModelAdmin):
    def get_formset(self, request, obj=None, **kwargs):
        return checked_formset(super().get_formset(request, obj, **kwargs))


class CheckedModelAdminMixin(admin.ModelAdmin):
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
