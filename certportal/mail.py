"""Every e-mail the portal sends, ours and django-allauth's (accounts.adapter.AccountAdapter.render_mail).

An e-mail kind is a template trio, `<prefix>_subject.txt`, `<prefix>_message.txt` and `<prefix>_message.html`,
whose messages extend the shared layout (templates/email/base_message.txt and .html): greeting, content, the
certification body's name and contact details (certportal.contact). It is rendered in the recipient's language,
its subject starts with the body's name in brackets, and links are absolute on SITE_URL.
"""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .contact import certification_body


def render(prefix: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the e-mail kind `prefix` in `language`."""
    with translation.override(language):
        body = certification_body()
        context = {**context, "BODY": body, "SITE_URL": settings.SITE_URL}
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        context["subject"] = subject = f"[{body['name']}] {subject}"
        text = render_to_string(f"{prefix}_message.txt", context)
        html = render_to_string(f"{prefix}_message.html", context)
    return subject, _tidy(text), html


def message(prefix: str, to: list[str], context: dict, language: str, **kwargs) -> EmailMultiAlternatives:
    subject, text, html = render(prefix, context, language)
    email = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to, **kwargs)
    email.attach_alternative(html, "text/html")
    return email


def send(prefix: str, to: list[str], context: dict, language: str) -> None:
    message(prefix, to, context, language).send()


def _tidy(text: str) -> str:
    # Template tags leave blank lines and trailing spaces behind: at most one empty line between paragraphs.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
