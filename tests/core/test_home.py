import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from applications.models import FeeSchedule, MaterialType

pytestmark = pytest.mark.django_db

BOOTSTRAP_CSS = "vendor/bootstrap/css/bootstrap.min.css"
# A <link>, <script> or <img> tag whose href/src points off-site (http://, https:// or protocol-relative //).
EXTERNAL_ASSET = re.compile(r"<(?:link|script|img)\b[^>]*\b(?:href|src)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)


def get_home(client, **headers) -> str:
    response = client.get(reverse("home"), **headers)
    assert response.status_code == 200
    return response.content.decode()


def switch_to_english(client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302


def test_home_is_chinese_by_default(client):
    html = get_home(client)
    assert '<html lang="zh-hans">' in html
    assert MaterialType.objects.get(code="business_licence").name_zh in html
    # Amounts the Chinese way in both languages (certportal/money.py): thousands separators, two decimals in tables.
    assert "¥4,800.00" in html


def test_language_switcher_switches_to_english(client):
    switch_to_english(client)
    html = get_home(client)
    assert '<html lang="en">' in html
    assert MaterialType.objects.get(code="business_licence").name_en in html
    assert "1–10 employees: 3 audit man-days, total ¥4,800." in html


def test_accept_language_header_selects_english(client):
    html = get_home(client, HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in html


def test_language_switcher_posts_to_django_view(client):
    html = get_home(client)
    form = re.search(r'<form action="([^"]+)" method="post" class="language-switcher">(.*?)</form>', html, re.S)
    assert form is not None
    assert form.group(1) == reverse("set_language")
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    assert '<input type="hidden" name="next" value="/">' in form.group(2)
    assert 'name="language" value="zh-hans"' in form.group(2)
    assert 'name="language" value="en"' in form.group(2)


def test_home_lists_every_active_material_type_and_marks_required_ones(client):
    switch_to_english(client)
    MaterialType.objects.filter(code="business_licence").update(is_active=False)
    html = get_home(client)
    active = MaterialType.objects.filter(is_active=True)
    for material in active:
        assert material.name_en in html
    assert MaterialType.objects.get(code="business_licence").name_en not in html
    assert html.count('class="badge badge-required"') == active.filter(required=True).count()
    assert "三证合一" in html


def test_fee_section_is_hidden_without_an_active_fee_schedule(client):
    assert 'id="fees"' in get_home(client)
    FeeSchedule.objects.update(is_active=False)
    html = get_home(client)
    assert 'id="fees"' not in html
    assert "¥" not in html


def test_staff_sign_in_link_and_signed_in_name(client, django_user_model):
    assert f'href="{reverse("admin:index")}"' in get_home(client)
    user = django_user_model.objects.create_user(username="wangfang", email="wang@example.com", full_name="王芳")
    client.force_login(user)
    assert "王芳" in get_home(client)


def test_all_assets_are_local_and_there_is_no_inline_script(client):
    html = get_home(client)
    assert EXTERNAL_ASSET.findall(html) == []
    assert 'src="/static/js/site.js"' in html and "bootstrap.bundle" not in html  # site.js does Bootstrap's part
    assert f'href="/static/{BOOTSTRAP_CSS}"' in html
    # A Content-Security-Policy without 'unsafe-inline' must not break the page.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"<[^>]+\son[a-z]+\s*=", html) == []
    assert "cx.cnca.cn" in html


def test_bootstrap_is_bundled_with_the_project():
    for path in (BOOTSTRAP_CSS, "css/site.css", "js/site.js", "img/logo.svg"):
        assert finders.find(path), path


def test_home_query_count(client, django_assert_max_num_queries):
    # Material types, the active fee schedule, the smallest man-day rule and its fee items.
    with django_assert_max_num_queries(6):
        get_home(client)
