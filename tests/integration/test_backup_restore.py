"""Backups proven by a restore: an installation with applications in every state, material files,
an audit with a photo and evidence, certificates with their PDFs and history is backed up, restored into another
database and folder, and found whole there. On PostgreSQL (CI's second stage) through pg_dump and pg_restore, on
SQLite through its online backup."""

import datetime
import hashlib
import io
import json
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from PIL import Image

from applications.models import Application, MaterialFile
from applications.uploads import check_upload
from audits.models import Audit, AuditPhoto, CorrectiveAction, EvidenceFile, Nonconformity
from audits.tasks import make_photo_derivatives
from certificates.models import Certificate
from certificates.services import grant_certification
from certportal.backup import database_is_empty, stored_names
from tests.core.test_make_run import dry_run
from tests.factories import AuditFactory, UserFactory, in_state, ready_for_decision, store_file

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def source_storage(settings, tmp_path):
    """The installation's private files in a folder (var/private in production without a bucket)."""
    settings.STORAGES = {**settings.STORAGES, "default": _folder(tmp_path / "private")}


def _folder(path):
    return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(path)}}


@pytest.fixture
def elsewhere(settings, tmp_path):
    """Point the default database and the storage at an empty database and folder; back afterwards."""
    original = connection.settings_dict["NAME"]
    restored = f"{original}_restored" if connection.vendor == "postgresql" else str(tmp_path / "restored.sqlite3")

    def point(bucket: str = ""):
        connection.close()
        connection.settings_dict["NAME"] = restored
        if bucket:  # another bucket of the same S3 server (tests/integration/conftest.py's s3_storage)
            settings.AWS_STORAGE_BUCKET_NAME = bucket
            settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
        else:
            settings.STORAGES = {**settings.STORAGES, "default": _folder(tmp_path / "restored-private")}

    yield point
    connection.close()
    connection.settings_dict["NAME"] = original
    if connection.vendor == "postgresql":
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(restored)} WITH (FORCE)")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def _installation():
    """Applications in every state with material files, an audit with a photo and evidence, two certificates."""
    applicant = UserFactory()
    for status in Application.Status.values:
        application = in_state(status)
        for number, item in enumerate(application.material_items.all()[:2]):
            store_file(item, by=applicant, content=f"%PDF-1.4 {status} {number}".encode())

    audit = AuditFactory(status=Audit.Status.SUBMITTED, score=Decimal("88"), grade="three_star")
    photo = AuditPhoto(
        audit=audit, original_name="IMG_1.jpg", content_type="image/jpeg", size=0, sha256="", uploaded_by=applicant
    )
    content = _jpeg()
    photo.size, photo.sha256 = len(content), hashlib.sha256(content).hexdigest()
    photo.file.save(photo.storage_key("original"), ContentFile(content), save=False)
    photo.save()
    make_photo_derivatives(photo.pk)
    nonconformity = Nonconformity.objects.create(
        audit=audit, description="投诉记录不全", due_date=datetime.date(2027, 3, 1)
    )
    action = CorrectiveAction.objects.create(
        nonconformity=nonconformity, round=1, text="已补全", submitted_by=applicant
    )
    action.add_evidence(check_upload(SimpleUploadedFile("台账.jpg", _jpeg(), "image/jpeg")), by=applicant)

    decider = UserFactory(role="decision_maker")
    for _ in range(2):  # the PDF is rendered on commit (tasks run inline here)
        grant_certification(application=ready_for_decision(grade="four_star", score=Decimal("91")), by=decider)


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _stored_sha256(field_file) -> str:
    with default_storage.open(field_file.name, "rb") as opened:
        return hashlib.sha256(opened.read()).hexdigest()


def test_a_backup_restored_elsewhere_is_whole(source_storage, elsewhere, tmp_path, client):
    _installation()
    before = _row_counts()
    assert before["applications_historicalapplication"] and before["certificates_historicalcertificate"]
    assert all(c.pdf for c in Certificate.objects.all()), "the certificates' PDFs were not rendered"
    backup = tmp_path / "backup"
    call_command("backup", output=str(backup), stdout=io.StringIO())
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["orphans"] == [] and manifest["missing"] == []
    assert len(manifest["files"]) == MaterialFile.objects.count() + 2 + 3 + 1  # + PDFs, photo ×3, evidence

    elsewhere()
    assert database_is_empty()  # PostgreSQL: no such database yet, restore creates it
    out = io.StringIO()
    call_command("restore", str(backup), stdout=out)
    assert "restore finished" in out.getvalue()

    assert _row_counts() == before
    files = [(f.file, f.stored_sha256) for f in MaterialFile.objects.all()]
    files += [(e.file, e.stored_sha256) for e in EvidenceFile.objects.all()]
    files += [(p.file, p.sha256) for p in AuditPhoto.objects.all()]
    files += [(c.pdf, c.pdf_sha256) for c in Certificate.objects.all()]
    assert len(files) == MaterialFile.objects.count() + 1 + 1 + 2
    for field_file, recorded in files:
        assert _stored_sha256(field_file) == recorded, field_file.name

    for certificate in Certificate.objects.all():
        page = client.get(reverse("certificates:verify", args=[certificate.verification_token]))
        assert page.status_code == 200 and certificate.number in page.content.decode()
        with default_storage.open(certificate.pdf.name, "rb") as pdf:
            upload = SimpleUploadedFile("certificate.pdf", pdf.read(), "application/pdf")
        compare = client.post(reverse("certificates:compare", args=[certificate.verification_token]), {"pdf": upload})
        assert compare.status_code == 200 and compare.context["verification"].matches_issued


def test_a_bucket_is_backed_up_and_restored_into_another_bucket(s3_storage, elsewhere, tmp_path):
    applicant = UserFactory()
    application = in_state(Application.Status.SUBMITTED)
    for number, item in enumerate(application.material_items.all()[:3]):
        store_file(item, by=applicant, content=f"%PDF-1.4 bucket {number}".encode())
    decider = UserFactory(role="decision_maker")
    grant_certification(application=ready_for_decision(grade="four_star", score=Decimal("91")), by=decider)
    before = _row_counts()
    stored = s3_storage.keys()
    assert len(stored) == 4  # three materials and the certificate's PDF
    call_command("backup", output=str(tmp_path / "backup"), stdout=io.StringIO())
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["storage"] == {"backend": "storages.backends.s3.S3Storage", "location": s3_storage.bucket}
    assert sorted(f["path"] for f in manifest["files"]) == stored

    s3_storage.client().create_bucket(Bucket="certportal-restored")
    elsewhere(bucket="certportal-restored")
    call_command("restore", str(tmp_path / "backup"), stdout=io.StringIO())
    assert _row_counts() == before
    listing = s3_storage.client().list_objects_v2(Bucket="certportal-restored")["Contents"]
    assert sorted(item["Key"] for item in listing) == stored
    for material in MaterialFile.objects.all():
        assert _stored_sha256(material.file) == material.stored_sha256
    certificate = Certificate.objects.get()
    assert _stored_sha256(certificate.pdf) == certificate.pdf_sha256


def _small_backup(tmp_path):
    applicant = UserFactory()
    application = in_state(Application.Status.DRAFT)
    store_file(application.material_items.first(), by=applicant, content=b"%PDF-1.4 first")
    backup = tmp_path / "backup"
    call_command("backup", output=str(backup), stdout=io.StringIO())
    return backup


@pytest.mark.parametrize("damage", ["a file altered", "the dump truncated", "a file added", "a file removed"])
def test_a_damaged_backup_is_refused_before_anything_is_restored(damage, source_storage, elsewhere, tmp_path):
    backup = _small_backup(tmp_path)
    manifest = json.loads((backup / "manifest.json").read_text())
    stored = backup / "files" / manifest["files"][0]["path"]
    dump = backup / manifest["database"]["file"]
    if damage == "a file altered":
        stored.write_bytes(stored.read_bytes().replace(b"first", b"fir5t"))
    elif damage == "the dump truncated":
        dump.write_bytes(dump.read_bytes()[:-100])
    elif damage == "a file added":
        (backup / "files" / "stray.pdf").write_bytes(b"%PDF")
    else:
        stored.unlink()

    elsewhere()
    with pytest.raises(CommandError, match="does not match its manifest") as refused:
        call_command("restore", str(backup), stdout=io.StringIO())
    expected = {
        "a file altered": f"files/{manifest['files'][0]['path']}: SHA-256",
        "the dump truncated": f"{dump.name}: {dump.stat().st_size} bytes, the manifest says",
        "a file added": "files/stray.pdf: not in the manifest",
        "a file removed": f"files/{manifest['files'][0]['path']}: absent",
    }[damage]
    assert expected in str(refused.value)
    assert database_is_empty() and not stored_names()  # nothing restored


def test_a_database_or_storage_with_data_is_not_overwritten_unless_forced(source_storage, tmp_path):
    backup = _small_backup(tmp_path)
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(backup), stdout=io.StringIO())
    assert MaterialFile.objects.count() == 1

    Application.objects.filter(status=Application.Status.DRAFT).update(contact_phone="010-00000000")
    call_command("restore", str(backup), force=True, stdout=io.StringIO())
    assert not Application.objects.filter(contact_phone="010-00000000").exists()  # the backup's rows again
    assert _stored_sha256(MaterialFile.objects.get().file) == MaterialFile.objects.get().stored_sha256


def test_orphans_and_missing_files_are_reported_and_orphans_kept(source_storage, tmp_path):
    applicant = UserFactory()
    items = list(in_state(Application.Status.DRAFT).material_items.all()[:2])
    kept, lost = (store_file(item, by=applicant, content=b"%PDF-1.4 " + bytes([n])) for n, item in enumerate(items))
    default_storage.delete(lost.file.name)
    default_storage.save("materials/left-behind.pdf", ContentFile(b"%PDF-1.4 orphan"))
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backup"), stdout=out)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["orphans"] == ["materials/left-behind.pdf"]
    assert manifest["missing"] == [{"path": lost.file.name, "records": ["applications.MaterialFile.file"]}]
    assert sorted(f["path"] for f in manifest["files"]) == sorted([kept.file.name, "materials/left-behind.pdf"])
    assert f"missing (named by applications.MaterialFile.file, not in the storage): {lost.file.name}" in out.getvalue()
    assert "orphan (in the storage, no record names it; kept in the backup): materials/left-behind.pdf" in (
        out.getvalue()
    )
    written = hashlib.sha256((tmp_path / "backup" / "manifest.json").read_bytes()).hexdigest()
    assert f"manifest SHA-256: {written}" in out.getvalue()


def test_a_folder_that_is_not_a_backup_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="has no manifest.json"):
        call_command("restore", str(tmp_path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="is not empty: a backup goes into a new folder"):
        (tmp_path / "something").write_text("x")
        call_command("backup", output=str(tmp_path), stdout=io.StringIO())


def test_make_backup_and_restore_run_the_commands():
    # make_run's dry run: the environment of a `make test` run (MAKEFLAGS…) left out
    assert 'manage.py backup --output "/srv/backups/one"' in dry_run("backup", "BACKUP_DIR=/srv/backups/one")
    (backup,) = [line for line in dry_run("backup").splitlines() if "manage.py backup" in line]
    assert backup.strip().endswith("manage.py backup")  # the command's default: var/backups/<timestamp>
    assert 'manage.py restore "/srv/backups/one" --force' in dry_run(
        "restore", "BACKUP_DIR=/srv/backups/one", "FORCE=1"
    )
