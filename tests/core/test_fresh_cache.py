"""Tests do not share rate-limit state: allauth allows one confirmation e-mail per address every
few minutes and counts it in the cache, so the same sign-up, run twice (as a rerun of a failed browser test
does), gets its e-mail both times only because tests/conftest.py clears the cache around every test."""

import pytest
from django.core import mail

PASSWORD = "a-Long-unusual-passphrase-42"


@pytest.mark.django_db
@pytest.mark.parametrize("run", ["first", "second"])
def test_the_same_sign_up_gets_its_e_mail_every_time(client, run):
    data = {"full_name": "王小明", "email": "wang@example.com", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["wang@example.com"]]
