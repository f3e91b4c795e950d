"""Typed text in, spreadsheet cells out: the two checks every form and every export goes through.

Forms: every CharField of a form that inherits `CheckedTextMixin` refuses the characters below, names the field in
the error, and a newline (or a tab) is accepted only in a multi-line field (a Textarea), with CR LF and a lone CR
stored as LF. The refused characters:

- C0 controls U+0000–U+001F (NUL, vertical tab, escape…) and DEL U+007F, except tab and line breaks in multi-line
  fields: they break e-mail headers, the XLSX export (openpyxl refuses them) and terminal output;
- C1 controls U+0080–U+009F (NEL U+0085 included, which some readers take as a line break);
- the line and paragraph separators U+2028 and U+2029 (line breaks for JavaScript and some mail readers);
- the bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069, which can show a name reversed;
- the byte-order mark U+FEFF and the non-characters U+FFFE and U+FFFF.

Exports: `spreadsheet_cell` removes the characters an XLSX file cannot hold (rows saved before this check existed
may still have them) and turns a cell that a spreadsheet would run as a formula into text with a leading apostrophe
(OWASP "CSV injection").
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import pretty_name
from django.utils.translation import gettext_lazy as _

LINE_BREAKS = "\n\r"
TAB = "\t"
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")

# The characters openpyxl refuses in a cell (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE, checked by a test).
XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A cell starting with one of these is a formula (or a DDE call with |) in Excel, WPS or LibreOffice; the
# full-width forms are included because some spreadsheet versions read them as their ASCII twins.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "＝", "＋", "－", "＠")


def check_text(value, *, label: str, multiline: bool) -> None:
    """Raise a ValidationError naming the field when the text holds a refused character."""
    if not isinstance(value, str):
        return
    match = FORBIDDEN.search(value)
    if match:
        raise ValidationError(
            _("“%(field)s” contains a character that is not allowed (U+%(code)04X); please remove it."),
            code="control_character",
            params={"field": label, "code": ord(match.group())},
        )
    if not multiline and any(c in value for c in LINE_BREAKS + TAB):
        raise ValidationError(
            _("“%(field)s” must be a single line: remove the line breaks and tabs."),
            code="line_break",
            params={"field": label},
        )


def is_multiline(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.Textarea)


class TextValidator:
    """`check_text` as a field validator; it reads the label when it runs, after the form has set it."""

    def __init__(self, field: forms.Field, name: str):
        self.field, self.name = field, name

    def __call__(self, value) -> None:
        check_text(value, label=str(self.field.label or pretty_name(self.name)), multiline=is_multiline(self.field))


class CheckedTextMixin(forms.BaseForm):
    """Put first in a form's bases: every text field refuses the characters above, and multi-line text is stored
    with LF line breaks.

    The check is a validator, so it runs before the form's clean_<name>() and clean(). A form of the project that
    does not inherit this mixin fails tests/security/test_text_input.py.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                field.validators.append(TextValidator(field, name))

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if isinstance(field, forms.CharField) and isinstance(value, str) and is_multiline(field):
                self.cleaned_data[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned


def spreadsheet_cell(value):
    """A value as a CSV or XLSX cell: text never runs as a formula and holds nothing XLSX refuses; others as given."""
    if not isinstance(value, str):
        return value
    text = XLSX_ILLEGAL.sub("", value)
    return "'" + text if text.startswith(FORMULA_START) else text
