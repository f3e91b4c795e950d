"""Text inside a CSS string, e.g. the PDF's `@page { content: "…" }` footer.

`escapejs` is for JavaScript strings: its `\\u002D` escapes mean nothing to CSS, which prints them as `u002D`.
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Kept as they are: letters, digits, spaces and the punctuation a reference or a name uses. Everything else that
# could end the string, the declaration or the <style> element is written as a CSS hex escape.
CSS_SPECIAL = set("\\\"'<>&;{}")


@register.filter(is_safe=True)
def css_string(value) -> SafeString:
    """The value escaped for a double-quoted CSS string: backslash, quotes, `<`, `>`, `&`, `;`, braces and control
    characters become `\\HEX ` escapes (the space ends the escape); all else is kept, so `SQ-2026-000007` stays."""
    out = []
    for char in str(value):
        if char in CSS_SPECIAL or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):X} ")
        else:
            out.append(char)
    return mark_safe("".join(out))  # noqa: S308 - every character that could leave the string is escaped above
