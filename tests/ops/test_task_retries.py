"""Work survives a database restart and a broker outage (findings of bench/bench_soak.py).

A task that meets the database restarting retries instead of failing for good (its message acknowledged, the work
gone); an invitation sent while the broker is down still succeeds for the applicant, and the outbox sweep sends its
e-mail later, as it does for notifications."""

from unittest import mock

import pytest
from celery import current_app
from django.core import mail
from django.db import InterfaceError, OperationalError
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerDown

import accounts.tasks
import audits.tasks
from applications.models import Invitation
from applications.tasks import send_invitation_email
from certificates.tasks import redeliver_pending

pytestmark = pytest.mark.django_db

assert accounts.tasks and audits.tasks  # imported so that their tasks are registered
RETRYING = [
    name
    for name, task in sorted(current_app.tasks.items())
    if name.split(".")[0] in ("accounts", "applications", "audits", "certificates")
    and getattr(task, "autoretry_for", ())
]


def test_every_retrying_task_also_retries_on_a_lost_database_connection():
    assert len(RETRYING) >= 7, RETRYING
    for name in RETRYING:
        assert {OSError, OperationalError, InterfaceError} <= set(current_app.tasks[name].autoretry_for), name


def test_an_invitation_email_that_meets_the_database_restarting_is_sent_on_its_retry(organization, applicant):
    invitation = Invitation.objects.create(
        organization=organization, email="colleague@example.com", invited_by=applicant
    )
    restarting = OperationalError("terminating connection due to administrator command")
    with mock.patch("applications.tasks.mail.send", side_effect=[restarting, None]) as send:
        # Eager here, so the retry runs at once inside apply(); a worker would send the message again after a backoff.
        result = send_invitation_email.apply(args=[invitation.pk], throw=False)
    assert result.state == "SUCCESS", result.traceback  # not FAILURE with the message acknowledged
    assert send.call_count == 2
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None


def test_an_invitation_sent_while_the_broker_is_down_succeeds_and_the_sweep_emails_it(
    client, applicant, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    with (
        mock.patch.object(send_invitation_email, "delay", side_effect=BrokerDown("Connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("applications:invite"), {"email": "colleague@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("applications:organization")
    invitation = Invitation.objects.get(email="colleague@example.com")
    assert invitation.emailed_at is None and mail.outbox == []

    assert redeliver_pending()["invitations"] == 0  # not yet stale: its own message may still be on its way
    Invitation.objects.filter(pk=invitation.pk).update(created_at=invitation.created_at.replace(year=2000))
    assert redeliver_pending()["invitations"] == 1
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None and [m.to for m in mail.outbox] == [["colleague@example.com"]]
    assert redeliver_pending()["invitations"] == 0  # nothing twice


def test_the_sweep_leaves_revoked_accepted_and_expired_invitations_alone(organization, applicant):
    from django.utils import timezone

    old = timezone.now().replace(year=2000)
    for email, fields in [
        ("revoked@example.com", {"revoked_at": old}),
        ("accepted@example.com", {"accepted_at": old}),
        ("expired@example.com", {"expires_at": old}),
    ]:
        invitation = Invitation.objects.create(organization=organization, email=email, invited_by=applicant)
        Invitation.objects.filter(pk=invitation.pk).update(created_at=old, **fields)
    assert redeliver_pending()["invitations"] == 0
    assert mail.outbox == []
