"""PDF rendering with WeasyPrint: Django templates in, bytes out, nothing fetched from outside; and the render-once
pipeline that stores a row's PDF, signed with the body's key, exactly once (certificates, audit reports).

The URL fetcher serves only `data:` URIs and the project's own static files (found through the staticfiles
finders), so a template — or applicant text that somehow became markup — cannot reach the network, read
local files (`file://`), follow redirects or attach files (targets.md §4.7).
"""

import functools
import hashlib
import logging
import mimetypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.template.loader import render_to_string

from .queue import TRANSIENT_ERRORS
from .signing import sign_pdf
from .storage_errors import StorageUnavailable, transient_storage_errors

logger = logging.getLogger(__name__)

STATIC_SCHEME = "static"  # templates refer to our static files as static:/img/logo.svg


class RefusedURL(ValueError):
    pass


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeFetcher(URLFetcher):
        """Allow data: URIs and static:<path> of our own static files; refuse everything else."""

        def __init__(self):
            super().__init__(allowed_protocols={"data", STATIC_SCHEME}, allow_redirects=False, fail_on_errors=True)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else STATIC_SCHEME
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == STATIC_SCHEME:  # static:/img/logo.svg, or a relative path such as img/logo.svg
                path = unquote(urlparse(url).path).lstrip("/")
                found = finders.find(path) if path and ".." not in path.split("/") else None
                if found:
                    with open(found, "rb") as f:
                        body = f.read()
                    mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})
            self.refused.append(url)
            raise RefusedURL(f"refused: {url[:200]}")

    return SafeFetcher


def safe_fetcher():
    return _fetcher_class()()


def render_pdf(template_name: str, context: dict, *, fetcher=None, stylesheet: str = "") -> bytes:
    """Render a template (autoescaped) to PDF bytes with the safe fetcher; `stylesheet`: a static CSS file."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    fetcher = fetcher or safe_fetcher()
    return HTML(string=html, base_url=f"{STATIC_SCHEME}:/", url_fetcher=fetcher).write_pdf(
        presentational_hints=False, stylesheets=[parsed_stylesheet(stylesheet)] if stylesheet else None
    )


@functools.cache
def parsed_stylesheet(path: str):
    """A static stylesheet, parsed once per process (about a twentieth of a certificate's render time)."""
    from weasyprint import CSS

    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, encoding="utf-8") as f:
        return CSS(string=f.read(), url_fetcher=safe_fetcher())


def harfbuzz_subset_available() -> bool:
    from weasyprint.text import ffi

    return getattr(ffi, "harfbuzz_subset", None) is not None


# --- Render once: the task steps shared by every stored PDF ----------------------------------------------------------

MAX_RENDER_ATTEMPTS = 3  # starts of a render (a crash counts); the redelivery sweep leaves a row alone after these

# The Celery options of the tasks that render and store files.
RENDER_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 30,
    "time_limit": 60,
    "autoretry_for": TRANSIENT_ERRORS,  # StorageUnavailable (an S3 outage) is one, a database restart another
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 4,  # at most 5 attempts per message; the redelivery sweep takes over after a longer outage
}


@contextmanager
def storage_outage_gives_back(give_back: Callable[[], None]) -> Iterator[None]:
    """Raise StorageUnavailable for a storage outage (the task retries it), after giving back what this attempt
    claimed (a counted attempt, a dossier's building status): a clean failure, not a crash, so an outage longer
    than the retries is left to the redelivery sweep instead of using up the row."""
    try:
        with transient_storage_errors():
            yield
    except StorageUnavailable:
        give_back()
        raise


Row = TypeVar("Row", bound=models.Model)


def render_once(
    model: type[Row],
    pk: int,
    *,
    file_field: str,
    attempts_field: str,
    storage_key: str,
    render: Callable[[Row], bytes],
    record: Callable[[Row, str, str], bool],
    ready: Callable[[Row], bool] | None = None,
    seal: bool = False,
) -> str:
    """Render, sign (certportal/signing.py) and store one row's PDF once; safe to run twice, concurrently or after a
    crash.

    `file_field` and `attempts_field` name the row's FileField and start counter, `storage_key` the attribute
    giving its deterministic key (so a retry finds what an interrupted run stored), `record(row, key, sha256)`
    attaches the file (False if it was attached meanwhile), `ready(row)` says whether there is anything to render,
    `seal` adds the body's visible seal to the signature. The SHA-256 recorded is the signed file's.
    Returns "rendered", "exists", "not-ready" or "gave-up"."""
    with transaction.atomic():
        row = model._default_manager.select_for_update().get(pk=pk)
        if getattr(row, file_field):
            return "exists"
        if ready is not None and not ready(row):
            return "not-ready"
        # Count starts, so a render that kills its worker (e.g. out of memory) is not requeued forever.
        setattr(row, attempts_field, getattr(row, attempts_field) + 1)
        row.save(update_fields=[attempts_field])
    if getattr(row, attempts_field) > MAX_RENDER_ATTEMPTS:
        logger.error("%s %s: PDF not rendered after %d attempts", model.__name__, pk, MAX_RENDER_ATTEMPTS)
        return "gave-up"
    with storage_outage_gives_back(functools.partial(_give_back_attempt, model, pk, attempts_field)):
        key, data = _render_or_reuse(row, getattr(row, storage_key), render, seal)
    with transaction.atomic():
        recorded = record(row, key, hashlib.sha256(data).hexdigest())
    return "rendered" if recorded else "exists"


def _render_or_reuse(row: Row, key: str, render: Callable[[Row], bytes], seal: bool) -> tuple[str, bytes]:
    if default_storage.exists(key):  # an earlier attempt stored it but died before recording it
        logger.info("%s %s: PDF found in storage, not rendered again", type(row).__name__, row.pk)
        with default_storage.open(key, "rb") as f:
            return key, f.read()
    data = sign_pdf(render(row), seal=seal)
    logger.info("%s %s: PDF rendered and signed", type(row).__name__, row.pk)
    return default_storage.save(key, ContentFile(data)), data


@transaction.atomic
def _give_back_attempt(model: type[models.Model], pk: int, attempts_field: str) -> None:
    row = model._default_manager.select_for_update().get(pk=pk)
    setattr(row, attempts_field, max(0, getattr(row, attempts_field) - 1))
    row.save(update_fields=[attempts_field])
