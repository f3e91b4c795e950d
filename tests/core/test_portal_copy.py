"""What people read on the portal: the staff's second-factor step has the staff look, the
self-check asks without a double negative, "contact us" gives the contact, the fee page's account number is plain
text, Chinese text has its fonts. (The layout at 1366 and 390 px: tests/e2e/test_layout_browser.py.)"""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from applications import selfcheck
from tests.security.conftest import PASSWORD, staff_user, with_totp

pytestmark = pytest.mark.django_db
PORTAL_NOTE = "认证机构工作人员请通过"  # the portal entrance's note sending staff to the staff sign-in


def _code_step(client, user, *, portal: bool) -> str:
    if portal:
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    else:
        response = client.post(reverse("admin:login"), {"username": user.username, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    return client.get(reverse("mfa_authenticate")).content.decode()


def test_the_staff_code_step_has_the_staff_look(client):
    reviewer = staff_user("reviewer", password=PASSWORD)
    with_totp(reviewer)
    page = _code_step(client, reviewer, portal=False)
    assert 'class="d-flex flex-column min-vh-100 staff-entrance"' in page
    assert PORTAL_NOTE not in page  # no footer telling staff to use the staff sign-in
    assert reverse("account_signup") not in page and "sign-in-menu" not in page  # no applicant's entrance links
    assert "认证机构工作人员" in page and 'name="code"' in page


def test_an_auditor_keeps_the_portal_entrance(client):
    auditor = staff_user("auditor", password=PASSWORD)
    with_totp(auditor)
    page = _code_step(client, auditor, portal=True)
    assert "staff-entrance" not in page and PORTAL_NOTE in page and reverse("account_signup") in page


def test_the_self_check_asks_without_a_double_negative():
    question = selfcheck.QUESTIONS_BY_KEY["no_major_incidents"]
    with translation.override("zh-hans"):
        assert str(question.text) == "近一年内，贵企业的质量和售后服务记录是否良好？"
        assert "是否未" not in str(question.text) and "否未" not in "".join(str(q.text) for q in selfcheck.QUESTIONS)
    with translation.override("en"):
        assert " not " not in str(question.text) and "free of" not in str(question.text)
    # "yes" is still the good answer: every yes is eligible, a "no" to this question is a gap with its advice
    everything_yes = {"answers": {q.key: selfcheck.YES for q in selfcheck.QUESTIONS}}
    assert selfcheck.outcome(everything_yes).eligible
    incident = {"answers": {**everything_yes["answers"], "no_major_incidents": selfcheck.NO}}
    assert selfcheck.outcome(incident).gaps == [question.gap]


def test_contact_us_gives_the_contact(client, applicant, settings):
    settings.CERTIFICATION_BODY_PHONE = "0571-8888 1234"
    settings.CERTIFICATION_BODY_EMAIL = "service@huaxin.example"
    client.force_login(applicant)
    page = client.get(reverse("applications:edit_organization")).content.decode()
    assert "如需更正统一社会信用代码，请与我们联系。" in page
    assert 'href="tel:0571-88881234"' in page and 'href="mailto:service@huaxin.example"' in page


def test_the_portal_css_has_a_chinese_font_stack():
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    stack = css.split("--bs-font-sans-serif:")[1].split(";")[0]
    for face in ("PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei"):
        assert f'"{face}"' in stack
    assert stack.strip().endswith("sans-serif")
