"""Key rotation: a new key signs new documents, the old ones keep validating, and resign_documents re-signs the
stored ones with the current key when the operator wants that."""

import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from audits.tasks import render_audit_report
from certificates import services
from certificates.dossier import build
from certificates.management.commands.resign_documents import unsigned_original
from certificates.models import DecisionDossier
from certificates.tasks import render_certificate_pdf
from certportal import signing
from certportal.verification import verify_pdf
from tests.factories import ready_for_decision
from tests.signing.conftest import embedded_signatures
from tests.signing.test_verification import BodyKey, blank_pdf
from trail.models import TrailEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(tmp_path, settings):
    """The body's key of last year, with which documents were signed, and this year's (configured by rotate())."""
    old, new = BodyKey(tmp_path, "2026"), BodyKey(tmp_path, "2027")
    old.configure(settings)

    def rotate():
        new.configure(settings, extra_roots=[old.ca_path])

    return old, new, rotate


@pytest.fixture
def documents(keys, decision_maker):
    """A certificate, its audit report and a decision dossier, all signed with the old key."""
    application = ready_for_decision(grade="four_star", score=Decimal("91.50"))
    audit = application.audits.get()
    render_audit_report(audit.pk)
    dossier = DecisionDossier.objects.create(application=application, requested_by=decision_maker)
    build(dossier)
    certificate = services.grant_certification(application=application, by=decision_maker)
    render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    audit.refresh_from_db()
    dossier.refresh_from_db()
    return certificate, audit, dossier


def _read(field):
    with field.open("rb") as f:
        return f.read()


def _summary(dossier):
    with zipfile.ZipFile(io.BytesIO(_read(dossier.file))) as archive:
        return archive.read("00-case-summary.pdf")


def test_a_certificate_signed_before_the_rotation_still_validates(keys, documents):
    _old, _new, rotate = keys
    certificate, _audit, _dossier = documents
    rotate()
    result = verify_pdf(_read(certificate.pdf), issued_sha256=certificate.pdf_sha256)
    assert result.trusted and result.unchanged and result.matches_issued
    assert result.signer.common_name == "2026 signing"
    assert verify_pdf(signing.sign_pdf(blank_pdf())).signer.common_name == "2027 signing"  # new documents


def test_unsigned_original_gives_back_the_bytes_that_were_signed(keys):
    original = blank_pdf()
    assert unsigned_original(signing.sign_pdf(original)) == original
    assert unsigned_original(original) == original


def test_a_dry_run_changes_nothing(keys, documents):
    _old, _new, rotate = keys
    certificate, audit, dossier = documents
    rotate()
    out = io.StringIO()
    call_command("resign_documents", "--dry-run", stdout=out)
    assert "certificates: would re-sign 1" in out.getvalue()
    assert "reports: would re-sign 1" in out.getvalue()
    assert "dossiers: would re-sign 1" in out.getvalue()
    before = (certificate.pdf.name, certificate.pdf_sha256, audit.report_pdf_sha256, dossier.file.name)
    certificate.refresh_from_db()
    audit.refresh_from_db()
    dossier.refresh_from_db()
    assert (certificate.pdf.name, certificate.pdf_sha256, audit.report_pdf_sha256, dossier.file.name) == before


def test_resign_documents_signs_them_again_with_the_current_key(keys, documents):
    _old, _new, rotate = keys
    certificate, audit, dossier = documents
    old_pdf, old_sha256, old_summary = _read(certificate.pdf), certificate.pdf_sha256, _summary(dossier)
    rotate()
    call_command("resign_documents", stdout=io.StringIO())

    certificate.refresh_from_db()
    new_pdf = _read(certificate.pdf)
    assert certificate.pdf_sha256 == hashlib.sha256(new_pdf).hexdigest() != old_sha256
    result = verify_pdf(new_pdf, issued_sha256=certificate.pdf_sha256)
    assert result.trusted and result.unchanged and result.matches_issued
    assert result.signer.common_name == "2027 signing"
    assert unsigned_original(new_pdf) == unsigned_original(old_pdf)  # the same document, signed anew
    (signature,) = embedded_signatures(new_pdf)
    assert "/AP" in signature.sig_field  # the certificate keeps its visible seal
    assert f"was SHA-256 {old_sha256}" in certificate.history.first().history_change_reason

    audit.refresh_from_db()
    report = verify_pdf(_read(audit.report_pdf), issued_sha256=audit.report_pdf_sha256)
    assert report.unchanged and report.matches_issued and report.signer.common_name == "2027 signing"

    dossier.refresh_from_db()
    summary = _summary(dossier)
    assert verify_pdf(summary).signer.common_name == "2027 signing"
    assert unsigned_original(summary) == unsigned_original(old_summary)
    assert dossier.size == dossier.file.size

    again = io.StringIO()
    call_command("resign_documents", "--certificates", stdout=again)
    assert again.getvalue().strip() == "certificates: re-signed 0, already signed with the current key 1"


def test_only_the_kinds_asked_for_are_re_signed(keys, documents):
    _old, _new, rotate = keys
    certificate, audit, _dossier = documents
    rotate()
    call_command("resign_documents", "--reports", stdout=io.StringIO())
    before = certificate.pdf_sha256
    certificate.refresh_from_db()
    assert certificate.pdf_sha256 == before
    audit.refresh_from_db()
    assert verify_pdf(_read(audit.report_pdf)).signer.common_name == "2027 signing"


def test_each_re_signed_document_is_written_to_the_record(keys, documents):
    _old, new, rotate = keys
    certificate, audit, dossier = documents
    before = {
        "certificate": certificate.pdf_sha256,
        "report": audit.report_pdf_sha256,
        "dossier": hashlib.sha256(_read(dossier.file)).hexdigest(),
    }
    last = TrailEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    rotate()
    call_command("resign_documents", stdout=io.StringIO())

    certificate.refresh_from_db()
    audit.refresh_from_db()
    dossier.refresh_from_db()
    entries = {
        (entry.subject_type, entry.subject_id): entry
        for entry in TrailEntry.objects.filter(seq__gt=last, kind="document_resigned")
    }
    assert set(entries) == {
        ("certificates.certificate", str(certificate.pk)),
        ("audits.audit", str(audit.pk)),
        ("certificates.decisiondossier", str(dossier.pk)),
    }
    fingerprint = hashlib.sha256(new.cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    expected = {
        "certificates.certificate": ("pdf", before["certificate"], certificate.pdf_sha256),
        "audits.audit": ("report_pdf", before["report"], audit.report_pdf_sha256),
        "certificates.decisiondossier": ("file", before["dossier"], hashlib.sha256(_read(dossier.file)).hexdigest()),
    }
    for (subject_type, _pk), entry in entries.items():
        document, previous, now = expected[subject_type]
        assert (entry.payload["document"], entry.payload["previous_sha256"], entry.payload["sha256"]) == (
            document,
            previous,
            now,
        )
        assert previous != now
        assert entry.payload["signing_certificate"]["sha256"] == fingerprint
        assert "2027 signing" in entry.payload["signing_certificate"]["subject"]
        assert entry.actor_id is None  # the command, not a person
    call_command("verify_trail", stdout=io.StringIO())  # the chain still holds


def test_a_dry_run_or_a_document_already_current_writes_nothing(keys, documents):
    _old, _new, rotate = keys
    rotate()
    call_command("resign_documents", "--dry-run", stdout=io.StringIO())
    assert not TrailEntry.objects.filter(kind="document_resigned").exists()
    call_command("resign_documents", stdout=io.StringIO())
    written = TrailEntry.objects.filter(kind="document_resigned").count()
    call_command("resign_documents", stdout=io.StringIO())  # all signed with the current key now
    assert TrailEntry.objects.filter(kind="document_resigned").count() == written == 3
