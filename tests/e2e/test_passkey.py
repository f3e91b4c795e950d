"""A new staff member enrols with a passkey in a real Chromium: the enrolment link, their own password,
a passkey on a CDP virtual authenticator, then signing in to the admin with password + passkey, under the CSP."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts import enrolment
from tests.factories import UserFactory

PASSWORD = "my own passphrase 2026"


def virtual_authenticator(context, page) -> None:
    """A platform authenticator that holds resident keys and always verifies its user (no prompt)."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_reviewer_enrols_with_a_passkey_and_signs_in_with_it(live_server, new_context):
    # WebAuthn needs a secure context: http://localhost is one, http://127.0.0.1 is not a valid RP ID.
    base = live_server.url.replace("127.0.0.1", "localhost")
    reviewer = UserFactory(role="reviewer", username="passkey-reviewer", password=None, language="en")
    enrolment.send_link(reviewer)  # autocommit: the e-mail goes out at once
    link = re.search(r"https?://\S+(/accounts/enrol/\S+/)", mail.outbox[-1].body).group(1)

    context = new_context("reviewer", locale="en-GB")
    page = context.new_page()
    virtual_authenticator(context, page)
    csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))

    # The link: the reviewer chooses a password and lands on the second-factor page.
    page.goto(base + link)
    page.fill("input[name=new_password1]", PASSWORD)
    page.fill("input[name=new_password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))

    # A passkey, made by the virtual authenticator; allauth then shows the new recovery codes.
    page.goto(base + "/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", "laptop")
    page.locator("#mfa_webauthn_add").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    page.goto(base + "/admin/")
    expect(page).to_have_url(base + "/admin/")  # adding the key was this session's second factor

    # Signed out, then in again: password, then the passkey instead of a code.
    page.goto(base + "/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url(base + "/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    assert csp_errors == []
