"""Labels for the admin's history pages (templates/simple_history): field names and stored values as people read
them (the field's verbose name, a choice's translated label), not as the database stores them."""

from datetime import datetime

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
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


@register.simple_tag
def change_value(opts, field: str, value):
    """One side of a change between two versions: a choice field shows its label, a moment its local time."""
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")
    try:
        model_field = opts.get_field(field)
    except FieldDoesNotExist:
        return value
    if model_field.choices and value not in (None, ""):
        return dict(model_field.flatchoices).get(value, value)
    return value
