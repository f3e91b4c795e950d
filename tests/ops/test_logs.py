"""Structured logs: JSON lines with the request's id, user and organization, carried into
Celery tasks; and no secret ever written, whatever the level."""

import io
import json
import logging
import re

import boto3
import pytest
from django.core.files.storage import storages
from django.urls import reverse
from moto import mock_aws

from accounts.models import User
from certportal import logs
from certportal.celery import app as celery_app
from tests.factories import ApplicationFactory, MembershipFactory, store_file
from tests.security.conftest import PASSWORD, staff_user, totp_code, with_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """Every record, with the root logger at DEBUG as LOG_LEVEL=DEBUG sets it, rendered as production renders it (JSON). factory_boy and faker,
    which only the tests run, stay quiet (factory_boy logs the passwords it sets)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.config.dictConfigClass({}).configure_custom(logs.formatter("json")))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    saved = root.level
    quiet = {name: logging.getLogger(name).level for name in ("factory", "faker")}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # LOG_LEVEL=DEBUG: the loggers settings.LOGGING pins keep their levels
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    root.removeHandler(handler)
    root.setLevel(saved)
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


def test_a_request_log_line_is_json_with_request_user_and_organization(client, lines):
    member = MembershipFactory()
    client.force_login(member.user)
    response = client.get("/portal/applications/987654/", HTTP_X_REQUEST_ID="edge-proxy-0001")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-proxy-0001"
    [record] = [r for r in lines() if r["logger"] == "django.request"]
    assert record["level"] == "warning"
    assert record["request_id"] == "edge-proxy-0001"
    assert record["user_id"] == member.user.pk
    assert record["organization_id"] == member.organization_id
    assert record["timestamp"].endswith("Z")


def test_a_request_without_a_usable_id_gets_a_new_one(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/", HTTP_X_REQUEST_ID="bad id\nwith a newline")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


def test_the_request_id_travels_with_the_tasks_a_request_sends(lines):
    @celery_app.task(bind=True, name="tests.ops.logs_in_task")
    def logs_in_task(self):
        logging.getLogger("tests.ops").info("inside the task")

    structlog_context = logs.structlog.contextvars
    structlog_context.bind_contextvars(request_id="req-from-web-42")
    try:
        headers = {}
        logs._request_id_into_the_message(headers=headers)  # what before_task_publish does for each message
    finally:
        structlog_context.clear_contextvars()
    assert headers == {"request_id": "req-from-web-42"}

    logs_in_task.apply(headers=headers)  # a worker receiving that message
    [record] = [r for r in lines() if r["event"] == "inside the task"]
    assert record["request_id"] == "req-from-web-42"
    assert record["task"] == "tests.ops.logs_in_task"
    assert record["task_id"]
    assert "request_id" not in structlog_context.get_contextvars()  # put back as it was after the task


def test_the_message_sent_to_the_broker_carries_the_request_id(settings):
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.update(broker_url="memory://", task_always_eager=False)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    logs.structlog.contextvars.bind_contextvars(request_id="req-to-broker-7")
    try:
        celery_app.send_task("tests.ops.anything", queue="logs-test")
        with celery_app.connection_for_read() as connection:
            message = connection.SimpleQueue("logs-test").get(timeout=5)
            assert message.headers["request_id"] == "req-to-broker-7"
            message.ack()
    finally:
        logs.structlog.contextvars.clear_contextvars()
        celery_app.conf.update(broker_url=saved[0], task_always_eager=saved[1])
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_no_secret_is_ever_logged(client, lines, settings, mailoutbox):
    """Sign-in with a password and a TOTP code (a wrong one first), a password reset by its e-mailed link, and a
    download redirected to a signed S3 URL, with every logger at DEBUG: none of their secrets in any line."""
    secrets = {}
    # sign-in: password, a wrong and a right TOTP code
    reviewer = staff_user("reviewer")
    reviewer.set_password(PASSWORD)
    reviewer.save()
    totp = with_totp(reviewer)
    client.post(reverse("admin:login"), {"username": reviewer.username, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    code = totp_code(totp)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    secrets.update(password=PASSWORD, totp_code=code, totp_secret=totp)
    secrets["session id"] = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.get(reverse("account_login"))
    secrets["csrf token"] = client.cookies[settings.CSRF_COOKIE_NAME].value

    # a password reset by its link
    applicant = MembershipFactory().user
    client.logout()
    client.post(reverse("account_reset_password"), {"email": applicant.email})
    link = re.search(r"https?://\S+/accounts/password/reset/key/(\S+?)/", mailoutbox[-1].body)
    key_path = f"/accounts/password/reset/key/{link.group(1)}/"
    client.get(key_path, follow=True)
    new_password = "another horse battery staple 9"
    client.post(
        client.get(key_path, follow=True).redirect_chain[-1][0], {"password1": new_password, "password2": new_password}
    )
    assert User.objects.get(pk=applicant.pk).check_password(new_password)
    secrets.update(reset_key=link.group(1).split("-", 1)[1], new_password=new_password)

    # a download: the browser is sent to a signed URL
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="logs-test")
        settings.AWS_STORAGE_BUCKET_NAME = "logs-test"
        settings.AWS_S3_REGION_NAME = "us-east-1"
        settings.AWS_QUERYSTRING_EXPIRE = 300
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
        storages._storages.pop("default", None)
        application = ApplicationFactory(organization=applicant.membership.organization)
        stored = store_file(application.material_items.first(), by=applicant)
        applicant.refresh_from_db()  # its new password: the session hash must match it
        client.force_login(applicant)
        response = client.get(reverse("applications:material_file", args=[stored.pk]))
        storages._storages.pop("default", None)
    assert response.status_code == 302
    signed = response["Location"]
    assert "X-Amz-Signature=" in signed, signed
    secrets["signed URL signature"] = re.search(r"X-Amz-Signature=([0-9a-f]+)", signed).group(1)
    logging.getLogger("certportal.test").warning("served %s", signed)  # even a careless line is scrubbed

    written = json.dumps(lines(), ensure_ascii=False)
    assert len(lines()) > 5  # the flows did log (sign-ins, downloads, the reset)
    leaked = {name: value for name, value in secrets.items() if value and value in written}
    assert not leaked, [line for line in written.split("}, {") if any(v in line for v in leaked.values())][:3]
