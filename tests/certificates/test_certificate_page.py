"""The holder's certificate page: 下一步 once, re-certification offered only once its window has
opened (the request_recertification transition's guard, certificates.cycle's rule), Bootstrap radio buttons for the
delivery, one date format."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from applications.models import Membership
from certificates import cycle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI), tick=False)


def _page(client, person, certificate) -> str:
    client.force_login(person)
    return client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()


def test_on_the_day_of_issue_the_next_step_is_said_once_and_re_certification_is_not_offered(
    client, applicant, certificate
):
    with at(certificate.issued_on):
        page = _page(client, applicant, certificate)
    assert page.count("下一步") == 1
    assert "第1次监督审核须于2027年5月6日前完成" in page
    assert reverse("certificates:recertify", args=[certificate.pk]) not in page
    assert "申请再认证</button>" not in page
    assert "自2028年11月6日起可申请再认证" in page  # said when, as information
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", re.sub(r"<[^>]+>", " ", page))  # one date format


def test_re_certification_is_offered_from_the_day_the_window_opens(client, applicant, certificate):
    opens_on = cycle.recertification_opens_on(certificate.expires_on)
    with at(opens_on - datetime.timedelta(days=1)):
        with translation.override("zh-hans"):
            assert certificate.refusals("request_recertification", applicant) == [
                "自2028年11月6日（证书到期前6个月）起方可申请再认证。"
            ]
        assert reverse("certificates:recertify", args=[certificate.pk]) not in _page(client, applicant, certificate)
    with at(opens_on):
        assert certificate.refusals("request_recertification", applicant) == []
        page = _page(client, applicant, certificate)
        assert reverse("certificates:recertify", args=[certificate.pk]) in page and "申请再认证</button>" in page


def test_a_member_who_is_not_the_owner_is_not_offered_re_certification(client, certificate):
    colleague = UserFactory()
    Membership.objects.create(user=colleague, organization=certificate.organization, role=Membership.Role.MEMBER)
    with at(cycle.recertification_opens_on(certificate.expires_on)):
        page = _page(client, colleague, certificate)
    assert reverse("certificates:recertify", args=[certificate.pk]) not in page


def test_another_organization_does_not_see_the_page(client, other_applicant, certificate):
    client.force_login(other_applicant)
    assert client.get(reverse("certificates:detail", args=[certificate.pk])).status_code == 404


def test_the_delivery_radio_buttons_are_bootstrap_form_checks(client, applicant, certificate):
    page = _page(client, applicant, certificate)
    radios = re.findall(r'<input type="radio" name="method"[^>]*>', page)
    assert len(radios) == 2 and all('class="form-check-input"' in radio for radio in radios)


def test_a_suspended_certificate_page_gives_the_contact(client, applicant, certificate, settings):
    settings.CERTIFICATION_BODY_EMAIL = "service@huaxin.example"
    certificate.suspend(by=None, reason="监督审核逾期")
    client.force_login(applicant)
    page = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert "请与我们联系" in page and 'href="mailto:service@huaxin.example"' in page
