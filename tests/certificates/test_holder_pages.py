import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from certificates.tasks import render_certificate_pdf

pytestmark = pytest.mark.django_db


def test_the_holder_sees_its_certificates_and_downloads_the_pdf(client, applicant, certificate):
    render_certificate_pdf(certificate.pk)
    client.force_login(applicant)
    assert certificate.number in client.get(reverse("certificates:list")).content.decode()
    detail = client.get(reverse("certificates:detail", args=[certificate.pk]))
    assert detail.status_code == 200 and "2027年5月6日" in detail.content.decode()  # first surveillance due
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_organization_gets_404(client, other_applicant, certificate):
    client.force_login(other_applicant)
    assert certificate.number not in client.get(reverse("certificates:list")).content.decode()
    for name in ("certificates:detail", "certificates:pdf"):
        assert client.get(reverse(name, args=[certificate.pk])).status_code == 404
    assert client.post(reverse("certificates:delivery", args=[certificate.pk]), {"method": "pickup"}).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, certificate):
    response = client.get(reverse("certificates:detail", args=[certificate.pk]))
    assert response.status_code == 302


def test_the_pdf_is_404_until_rendered(client, applicant, certificate):
    client.force_login(applicant)
    assert client.get(reverse("certificates:pdf", args=[certificate.pk])).status_code == 404


def test_delivery_by_post_needs_an_address_then_staff_record_the_posting(client, applicant, certificate, reviewer):
    client.force_login(applicant)
    url = reverse("certificates:delivery", args=[certificate.pk])
    client.post(url, {"method": "post", "address": "", "recipient": "王", "phone": "1"})
    certificate.refresh_from_db()
    assert certificate.delivery_method == ""
    client.post(
        url, {"method": "post", "address": "福州市鼓楼区五四路 88 号", "recipient": "王小明", "phone": "13800000000"}
    )
    certificate.refresh_from_db()
    assert certificate.delivery_method == "post"
    mail.outbox.clear()
    certificate.mark_posted(by=reviewer, tracking_number="SF1234567890")
    assert certificate.posted_at is not None
    client.post(url, {"method": "pickup"})
    certificate.refresh_from_db()
    assert certificate.delivery_method == "post"  # nothing changes once posted


def test_delivery_needs_post(client, applicant, certificate):
    client.force_login(applicant)
    assert client.get(reverse("certificates:delivery", args=[certificate.pk])).status_code == 405


@time_machine.travel(datetime.datetime(2029, 1, 10, 4, tzinfo=datetime.UTC), tick=False)  # re-certification is open
def test_the_certificate_page_shows_the_next_surveillance_and_offers_re_certification(client, applicant, certificate):
    client.force_login(applicant)
    page = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert "2027年5月6日" in page  # surveillance no. 1 due
    assert reverse("certificates:recertify", args=[certificate.pk]) in page
    response = client.post(reverse("certificates:recertify", args=[certificate.pk]))
    renewal = certificate.application.renewals.get()
    assert response.status_code == 302 and renewal.kind == "recertification"
    page = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert renewal.reference in page
    assert reverse("certificates:recertify", args=[certificate.pk]) not in page
    client.post(reverse("certificates:recertify", args=[certificate.pk]))  # twice: refused, nothing new
    assert certificate.application.renewals.count() == 1


def test_another_organization_cannot_renew(client, other_applicant, certificate):
    client.force_login(other_applicant)
    assert client.post(reverse("certificates:recertify", args=[certificate.pk])).status_code == 404
