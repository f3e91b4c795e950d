"""The application-form PDF's footer prints the reference as typed: a CSS string, not a JS one."""

import io

import pytest
from django.template import Context, Template
from django.urls import reverse
from pypdf import PdfReader
from weasyprint import HTML

from applications.templatetags.css_strings import css_string
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_the_footer_shows_the_reference_with_its_hyphens(applicant_client, applicant):
    application = ApplicationFactory(organization=applicant.membership.organization)
    assert application.reference.startswith("SQ-")
    response = applicant_client.get(reverse("applications:form_pdf", args=[application.pk]))
    assert response.status_code == 200
    pages = pdf_pages(response.content)
    for number, text in enumerate(pages, start=1):
        assert f"{application.reference} · {number} / {len(pages)}" in text
        assert "u002D" not in text


def test_the_form_pdf_is_refused_to_someone_outside_the_organization(client, django_user_model):
    application = ApplicationFactory()
    stranger = django_user_model.objects.create_user(username="stranger", email="s@example.com", password="x" * 12)
    client.force_login(stranger)
    response = client.get(reverse("applications:form_pdf", args=[application.pk]))
    assert response.status_code == 404  # not told whether it exists


def test_css_string_keeps_plain_text_and_escapes_what_could_leave_the_string():
    assert css_string("SQ-2026-000007") == "SQ-2026-000007"
    assert css_string("申请 · A/B") == "申请 · A/B"
    assert css_string('a"b') == "a\\22 b"
    assert css_string("a\\b") == "a\\5C b"
    assert css_string("</style>") == "\\3C /style\\3E "
    assert css_string("x\ny;}") == "x\\A y\\3B \\7D "


def test_hostile_text_in_a_css_content_string_is_printed_as_text():
    hostile = '"; } body { display: none } </style><p>x</p> \\'
    html = Template(
        '{% load css_strings %}<style>@page { @bottom-center { content: "{{ value|css_string }}" } }</style><p>body</p>'
    ).render(Context({"value": hostile}))
    text = pdf_pages(HTML(string=html).write_pdf())[0]
    assert "body" in text
    assert hostile.strip() in text
