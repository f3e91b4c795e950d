"""A storage outage while a photo's derivatives are made is retried by the task, not taken for a broken photo."""

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from audits.models import AuditPhoto
from audits.tasks import make_photo_derivatives
from certportal.storage_errors import StorageUnavailable
from tests.audits.conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db


def test_photo_derivatives_during_an_outage_are_retried(audit, lead, monkeypatch):
    photo = AuditPhoto(
        audit=audit, original_name="a.jpg", content_type="image/jpeg", size=1, sha256="0" * 64, uploaded_by=lead
    )
    photo.file.save(photo.storage_key("original"), ContentFile(jpeg_with_gps(size=(64, 48))), save=False)
    photo.save()

    def unavailable(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url="http://s3")

    monkeypatch.setattr(default_storage, "save", unavailable)
    with pytest.raises(StorageUnavailable):  # an OSError: the task's automatic retry takes it
        make_photo_derivatives(photo.pk)
    photo.refresh_from_db()
    assert photo.status == AuditPhoto.Status.PROCESSING

    monkeypatch.undo()
    assert make_photo_derivatives(photo.pk) == "made"
