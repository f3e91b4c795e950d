"""Every certificate, audit report and decision dossier PDF is signed with the body's key before it is stored."""

import hashlib
import subprocess
import zipfile
from decimal import Decimal

import pytest
from PIL import Image, ImageChops
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from audits.tasks import render_audit_report
from certificates import services
from certificates.dossier import build
from certificates.models import DecisionDossier
from certificates.pdf import render_certificate
from certificates.tasks import render_certificate_pdf
from certportal import signing
from tests.factories import ready_for_decision
from tests.signing.conftest import embedded_signatures
from tests.signing.test_signing import pdfsig

pytestmark = pytest.mark.django_db


def assert_signed_by_the_body(data: bytes, *, sealed: bool):
    (signature,) = embedded_signatures(data)
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=signing.trust_roots()))
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.dump() == signing.signer_certificate_chain()[0].dump()
    assert ("/AP" in signature.sig_field) is sealed  # the seal is the signature's appearance


def test_the_stored_certificate_is_signed_with_a_seal_and_its_recorded_hash_is_the_signed_files(
    decision_maker, tmp_path
):
    application = ready_for_decision(grade="four_star", score=Decimal("91.50"))
    certificate = services.grant_certification(application=application, by=decision_maker)

    assert render_certificate_pdf(certificate.pk) == "rendered"
    certificate.refresh_from_db()
    data = certificate.pdf.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    assert_signed_by_the_body(data, sealed=True)
    report = pdfsig(data, tmp_path)  # an independent validator (poppler)
    assert "Signature Validation: Signature is Valid." in report and "Total document signed" in report


def test_the_stored_audit_report_is_signed(decision_maker):
    audit = ready_for_decision(grade="four_star", score=Decimal("91.50")).audits.get()

    assert render_audit_report(audit.pk) == "rendered"
    audit.refresh_from_db()
    data = audit.report_pdf.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == audit.report_pdf_sha256
    assert_signed_by_the_body(data, sealed=False)


def test_the_dossier_case_summary_is_signed(decision_maker):
    application = ready_for_decision(grade="four_star", score=Decimal("91.50"))
    dossier = DecisionDossier.objects.create(application=application, requested_by=decision_maker)

    build(dossier)
    with zipfile.ZipFile(dossier.file.open("rb")) as archive:
        summary = archive.read("00-case-summary.pdf")
    assert_signed_by_the_body(summary, sealed=False)


def test_the_sealed_certificate_looks_the_same_apart_from_the_seal(decision_maker, tmp_path):
    application = ready_for_decision(grade="four_star", score=Decimal("91.50"))
    certificate = services.grant_certification(application=application, by=decision_maker)
    unsigned = render_certificate(certificate)
    pictures = []
    for name, data in [("unsigned", unsigned), ("signed", signing.sign_pdf(unsigned, seal=True))]:
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", name + ".pdf", name], cwd=tmp_path, check=True)
        pictures.append(Image.open(tmp_path / f"{name}.png").convert("RGB"))

    changed = ImageChops.difference(*pictures).getbbox()  # at 72 dpi a pixel is a point
    assert changed is not None  # the seal is drawn
    x1, y1, x2, y2 = signing.SEAL_BOX
    height = pictures[0].height
    assert x1 - 1 <= changed[0] and changed[2] <= x2 + 1
    assert height - y2 - 1 <= changed[1] and changed[3] <= height - y1 + 1
