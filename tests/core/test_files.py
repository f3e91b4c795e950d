"""Kept files (certportal/files.py): one SHA-256 helper, one set of fields, for materials, evidence and photos."""

import hashlib
import io
import os

import pytest
from django.core.files.base import ContentFile

from applications.models import MaterialFile
from audits.models import AuditPhoto, EvidenceFile
from certportal.files import CHUNK_SIZE, StoredFile, sha256_of


def test_the_hash_of_a_file_of_several_chunks_is_hashlibs_and_the_file_is_left_rewound():
    data = os.urandom(2 * CHUNK_SIZE + 12345)
    fileobj = io.BytesIO(data)
    fileobj.seek(1000)  # wherever the caller left it, the whole file is hashed
    assert sha256_of(fileobj) == hashlib.sha256(data).hexdigest()
    assert fileobj.tell() == 0


def test_an_empty_file_has_the_hash_of_nothing():
    assert sha256_of(io.BytesIO()) == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("model", [MaterialFile, EvidenceFile, AuditPhoto])
def test_every_kept_file_has_the_same_fields(model):
    assert issubclass(model, StoredFile)
    names = {field.name for field in model._meta.get_fields()}
    assert {"file", "original_name", "content_type", "size", "sha256", "stored_sha256", "uploaded_by"} <= names


@pytest.mark.django_db
def test_keeping_a_file_records_its_size_and_hashes(applicant):
    from tests.applications.portal import draft_of, item_of

    item = item_of(draft_of(applicant))
    data = os.urandom(CHUNK_SIZE + 1)
    content = ContentFile(data)
    record = MaterialFile(
        item=item, version=1, original_name="a.pdf", content_type="application/pdf", uploaded_by=applicant
    )
    record.keep(content, "materials/test.pdf")
    record.refresh_from_db()
    assert record.size == len(data)
    assert record.sha256 == record.stored_sha256 == hashlib.sha256(data).hexdigest()
    with record.file.open("rb") as f:
        assert f.read() == data


@pytest.mark.django_db
def test_a_hash_of_the_upload_set_before_is_kept_beside_the_stored_files(applicant):
    from tests.applications.portal import draft_of, item_of

    item = item_of(draft_of(applicant))
    record = MaterialFile(
        item=item, version=1, original_name="a.pdf", content_type="application/pdf", uploaded_by=applicant
    )
    record.sha256 = "0" * 64  # of the file as uploaded, before its PDF was rewritten
    record.keep(ContentFile(b"rewritten"), "materials/test.pdf")
    assert record.sha256 == "0" * 64
    assert record.stored_sha256 == hashlib.sha256(b"rewritten").hexdigest()
