"""The admin in zh-hans: no English left on the index page, third-party apps included."""

import re

import pytest
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
    assert "登录锁定" in text  # django-axes' app, named by accounts.axes_config.AxesConfig
