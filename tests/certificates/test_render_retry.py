"""A storage outage during a render is retried (CEL-4); it does not use up the crash counter."""

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from django.core.files.storage import default_storage

from certificates import tasks
from certportal.queue import TRANSIENT_ERRORS
from certportal.storage_errors import StorageUnavailable, transient_storage_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def unrendered(make_certificate, monkeypatch):
    monkeypatch.setattr(tasks.render_certificate_pdf, "delay", lambda *args, **kwargs: None)
    return make_certificate()


def _client_error(status: int) -> ClientError:
    return ClientError({"Error": {"Code": str(status)}, "ResponseMetadata": {"HTTPStatusCode": status}}, "HeadObject")


@pytest.mark.parametrize(
    "error",
    [EndpointConnectionError(endpoint_url="http://s3"), ReadTimeoutError(endpoint_url="http://s3"), _client_error(503)],
)
def test_outages_become_a_retryable_oserror(error):
    with pytest.raises(StorageUnavailable) as raised, transient_storage_errors():
        raise error
    assert isinstance(raised.value, OSError)
    assert tasks.render_certificate_pdf.autoretry_for == TRANSIENT_ERRORS  # OSError, and the database's
    assert tasks.render_certificate_pdf.max_retries + 1 <= 5
    assert tasks.render_certificate_pdf.retry_backoff_max <= 600


def test_permanent_errors_are_not_retried():
    with pytest.raises(ClientError), transient_storage_errors():
        raise _client_error(403)


def test_a_render_during_an_outage_fails_cleanly_and_gives_its_attempt_back(unrendered, monkeypatch):
    def unavailable(name):
        raise EndpointConnectionError(endpoint_url="http://s3")

    monkeypatch.setattr(default_storage, "exists", unavailable)
    with pytest.raises(StorageUnavailable):
        tasks.render_certificate_pdf(unrendered.pk)  # called directly, a retry raises the error
    unrendered.refresh_from_db()
    assert (unrendered.pdf.name, unrendered.pdf_attempts) == ("", 0)

    monkeypatch.undo()
    assert tasks.render_certificate_pdf(unrendered.pk) == "rendered"
    unrendered.refresh_from_db()
    assert unrendered.pdf.name == unrendered.pdf_storage_key
    assert unrendered.pdf_attempts == 1


def test_a_dossier_built_during_an_outage_goes_back_to_the_queue(decision_maker, monkeypatch):
    from certificates.models import DecisionDossier
    from tests.factories import ready_for_decision

    dossier = DecisionDossier.objects.create(application=ready_for_decision(), requested_by=decision_maker)

    def unavailable(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url="http://s3")

    monkeypatch.setattr(default_storage, "save", unavailable)
    with pytest.raises(StorageUnavailable):  # retried by the task, then by the redelivery sweep: not failed
        tasks.build_decision_dossier(dossier.pk)
    dossier.refresh_from_db()
    assert (dossier.status, dossier.progress, dossier.file.name) == (DecisionDossier.Status.QUEUED, 0, "")
    assert tasks.build_decision_dossier.autoretry_for == TRANSIENT_ERRORS

    monkeypatch.undo()
    assert tasks.build_decision_dossier(dossier.pk) == DecisionDossier.Status.READY
