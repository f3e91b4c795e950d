from django import template
from django.utils.translation import gettext as _

from applications.models import Grade

register = template.Library()


@register.filter
def grade_label(grade: str) -> str:
    """A grade's name, or "not certified" for the empty grade (below 70 or vetoed)."""
    return Grade(grade).label if grade else _("Not certified")
