"""The admin in zh-hans: no English left on the index page, third-party apps included."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

# Not translatable: allauth.mfa's Authenticator model has no verbose name, so Django shows the class name.
ALLOWED = {"certportal", "Authenticators"}


def test_the_admin_index_is_all_chinese(client):
    admin = User.objects.create_superuser("root", "root@example.com", "correct horse battery", full_name="管理员")
    client.force_login(admin)
    html = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    english = set(re.findall(r">\s*([A-Za-z][A-Za-z ,'’\-]{2,})\s*<", text)) - ALLOWED - {admin.username}
    assert english == set()
    assert "登录锁定" in text  # django-axes' app, named by accounts.apps.AxesConfig


def test_the_changelist_title_reads_as_chinese(client):
    """The project's catalogue replaces Django's 选择 审核 来修改."""
    admin = User.objects.create_superuser("root", "root@example.com", "correct horse battery", full_name="管理员")
    client.force_login(admin)
    html = client.get(reverse("admin:audits_audit_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<h1>选择要修改的审核</h1>" in html
    assert "来修改" not in html


def test_the_index_and_the_change_form_use_the_new_wording(client):
    admin = User.objects.create_superuser("root", "root@example.com", "correct horse battery", full_name="管理员")
    client.force_login(admin)
    index = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "暂无记录" in index and "无可选的" not in index
    assert "最近操作" in index and "我的操作" in index
    add = client.get(reverse("admin:auth_group_add"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<h1>添加组</h1>" in add


def test_the_english_admin_keeps_django_wording(client):
    admin = User.objects.create_superuser("root", "root@example.com", "correct horse battery", full_name="Admin")
    client.force_login(admin)
    html = client.get(reverse("admin:audits_audit_changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Select audit to change</h1>" in html


def test_the_user_name_is_shown_as_typed(client):
    """Django's admin CSS sets the header in capitals; the project's sheet undoes it for the name."""
    admin = User.objects.create_superuser("demo-reviewer", "r@example.com", "correct horse battery")
    client.force_login(admin)
    html = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<strong>demo-reviewer</strong>" in html
    assert "css/staff-admin.css" in html
    css = (settings.BASE_DIR / "static" / "css" / "staff-admin.css").read_text()
    assert re.search(r"#user-tools strong \{[^}]*text-transform: none;", css)
