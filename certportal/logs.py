"""Structured logs: every log record, the project's and the libraries', as one JSON line in
production (LOG_FORMAT=json, the default with DEBUG off) or a readable coloured line for a person at `make run`
(LOG_FORMAT=console, the default with DEBUG on), rendered by structlog from the standard library's records.

Each record made while a request is handled carries its request_id (the X-Request-ID a proxy sent, when it looks
like one, else a new one; sent back in the response), the user's id and organization id; a Celery task enqueued
during the request carries the request_id in a message header and its records carry it too, with the task's name
and id. Secrets never reach a line: see `redact`.
"""

import contextvars
import re
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from celery.signals import before_task_publish, task_postrun, task_prerun

REQUEST_ID_HEADER = "X-Request-ID"
_request = contextvars.ContextVar("certportal_request", default=None)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# What must never be written: query strings (signed storage URLs, tokens), passwords, codes, cookies and keys in
# paths (password reset, invitations, enrolment links, sandbox bank tokens). Applied to every value rendered.
_NAMES = r"sessionid|csrftoken|csrfmiddlewaretoken|password\d?|oldpassword|otp|totp|code|token|key|secret"
_SECRET_PATTERNS = [
    (re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*"), r"\1?[redacted]"),  # any URL's query string
    (re.compile(r"(/[^\s?\"']*)\?[^\s\"']+"), r"\1?[redacted]"),  # a path's query string
    (re.compile(r"(/accounts/password/reset/key/)[^/\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(/accounts/enrol/)[^/\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(/invitation/)[^/\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(/sandbox-bank/)[^/\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(Signature:\s*)[0-9a-f]{32,}", re.I), r"\1[redacted]"),  # botocore.auth's DEBUG lines
    (re.compile(rf"\b((?:{_NAMES})=)[^&\s'\";,]+", re.I), r"\1[redacted]"),
    (re.compile(rf"(['\"](?:{_NAMES})['\"]\s*:\s*['\"])[^'\"]*", re.I), r"\1[redacted]"),
]
_SECRET_KEY = re.compile(
    r"^(password\d?|secret|token|code|otp|totp|cookies?|session(id|_key)?|csrf(token)?|authorization|signature)$"
    r"|_(password|secret|token|key)$",
    re.I,
)


def scrub(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(logger, method_name, event_dict):
    """structlog processor: secret-named keys lose their values; every other value is written as text without
    query strings, keys in paths or name=secret pairs (a request object's repr included)."""
    for key, value in list(event_dict.items()):
        if _SECRET_KEY.search(key):
            event_dict[key] = "[redacted]"
        elif value is None or isinstance(value, bool | int | float):
            continue
        else:
            event_dict[key] = scrub(value if isinstance(value, str) else repr(value))
    return event_dict


def add_request_context(logger, method_name, event_dict):
    """The request's user and organization, read when a record is made (no query for a request that logs nothing)."""
    request = _request.get()
    if request is None:
        return event_dict
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        event_dict.setdefault("user_id", user.pk)
        event_dict.setdefault("organization_id", _organization_id(user))
    return event_dict


def _organization_id(user):
    try:
        membership = user.membership
    except Exception:  # no membership (staff), or the database is not answering: the record still goes out
        return None
    return membership.organization_id


def formatter(fmt: str) -> dict:
    """A logging.Formatter (dictConfig form) rendering records as JSON or for the console."""
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if fmt == "json" else structlog.dev.ConsoleRenderer()
    )
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": PRE_CHAIN,
        "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, redact, renderer],
    }


PRE_CHAIN = [
    structlog.contextvars.merge_contextvars,
    add_request_context,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
    structlog.processors.format_exc_info,
]


class RequestContextMiddleware:
    """After AuthenticationMiddleware: binds the request id (and, lazily, the user) for every record made while
    this request is handled, and answers with the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        # Bound until the next request starts, not reset on the way out: Django logs a 4xx/5xx answer
        # (django.request) after every middleware has returned, and that line needs the context most.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        _request.set(request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@before_task_publish.connect
def _request_id_into_the_message(headers=None, **kwargs):
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


_task_context: dict[str, Mapping[str, contextvars.Token[Any]]] = {}


@task_prerun.connect
def _bind_task_context(task_id=None, task=None, **kwargs):
    """The task's records carry its name and id and the request id it was sent with (an eager task, run inside
    the request, keeps the request's); put back as it was after the task."""
    context = {"task": task.name, "task_id": task_id}
    # a worker puts the message's headers on the request; an eager or apply()'d task keeps them in .headers
    request_id = getattr(task.request, "request_id", None) or (task.request.headers or {}).get("request_id")
    if request_id:
        context["request_id"] = request_id
    _task_context[task_id] = structlog.contextvars.bind_contextvars(**context)


@task_postrun.connect
def _unbind_task_context(task_id=None, **kwargs):
    tokens = _task_context.pop(task_id, None)
    if tokens:
        structlog.contextvars.reset_contextvars(**tokens)
