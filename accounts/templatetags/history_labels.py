"""Labels for the columns of the admin's history pages (templates/simple_history): the field's verbose name and a
choice's translated label, not the stored names and codes. The changes between versions are labelled by
certportal.history.LabelledChanges."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

register = template.Library()


@register.filter
def field_label(opts, name: str) -> str:
    try:
        return capfirst(opts.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return capfirst(name.replace("_", " "))


@register.filter
def field_value(record, name: str):
    """A column of a historical record: a choice field shows its label."""
    display = getattr(record, f"get_{name}_display", None)
    return display() if callable(display) else getattr(record, name, None)
