"""The certification body's contact details come from settings, in the page's language."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from certportal.context_processors import site


@pytest.mark.parametrize(
    ("language", "name", "address", "phone_label"),
    [
        ("zh-hans", "华信认证中心", "杭州市西湖区文三路 90 号", "电话：0571-8888 1234"),
        ("en", "Huaxin Certification Centre", "90 Wensan Road, Hangzhou", "Phone: 0571-8888 1234"),
    ],
)
def test_the_contact_snippet_shows_the_settings_in_the_language(
    certification_body, language, name, address, phone_label
):
    with translation.override(language):
        html = render_to_string("includes/contact.html", site(RequestFactory().get("/")))
    assert name in html and address in html
    # the label and the number as the language writes them (电话：0571…, no space after the full-width colon)
    assert f'<a href="tel:0571-88881234">{phone_label}</a>' in html
    assert '<a href="mailto:service@huaxin.example">' in html and "service@huaxin.example</a>" in html
