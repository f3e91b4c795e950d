import asyncio
import subprocess

from asn1crypto import cms
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from certportal import signing
from tests.signing.conftest import embedded_signatures


def pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


def test_a_signed_pdf_validates_with_pyhanko_and_pdfsig(body_key, body_root, plain_pdf, tmp_path):
    signed = signing.sign_pdf(plain_pdf)

    assert signed.startswith(plain_pdf)  # an incremental update: what was rendered is what was signed
    (signature,) = embedded_signatures(signed)
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[body_root]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "测试认证中心 (DEVELOPMENT)" in status.signing_cert.subject.human_friendly
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    report = pdfsig(signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report


def test_one_changed_byte_makes_the_signature_invalid(body_key, body_root, plain_pdf, tmp_path):
    signed = bytearray(signing.sign_pdf(plain_pdf))
    at = signed.index(b"Certificate") if b"Certificate" in signed else len(plain_pdf) // 2
    signed[at] ^= 0x01

    (signature,) = embedded_signatures(bytes(signed))
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[body_root]))
    assert not status.intact and not status.bottom_line
    assert "Signature is Valid." not in pdfsig(bytes(signed), tmp_path)


def test_a_pdf_signed_by_another_key_is_not_trusted(settings, body_key, plain_pdf, tmp_path):
    other = tmp_path / "other.p12"
    other.write_bytes(signing.development_pkcs12("冒名机构"))
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(other), ""
    signed = signing.sign_pdf(plain_pdf)

    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(body_key), "secret"
    (signature,) = embedded_signatures(signed)
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=signing.trust_roots()))
    assert status.intact and not status.trusted


def test_the_seal_is_a_visible_signature_on_the_first_page(body_key, body_root, plain_pdf):
    signed = signing.sign_pdf(plain_pdf, seal=True, field_name="BodySeal")

    (signature,) = embedded_signatures(signed)
    assert signature.field_name == "BodySeal"
    widget = signature.sig_field
    assert [float(x) for x in widget["/Rect"]] == [float(x) for x in signing.SEAL_BOX]
    assert "/AP" in widget
    assert validate_pdf_signature(signature, ValidationContext(trust_roots=[body_root])).bottom_line


def test_the_chain_starts_with_the_signing_certificate(body_key, body_root):
    chain = signing.signer_certificate_chain()

    assert [c.subject for c in chain] == [chain[0].subject, body_root.subject]
    assert chain[-1].dump() == body_root.dump()
    assert signing.trust_roots() == [chain[-1]]


def test_a_detached_signature_verifies_over_the_data_and_not_other_data(body_key, body_root):
    der = signing.sign_detached(b"head hash 0123")

    signed_data = cms.ContentInfo.load(der)["content"]
    assert len(signed_data["certificates"]) == 2  # the chain travels with the signature
    context = ValidationContext(trust_roots=[body_root])
    status = asyncio.run(async_validate_detached_cms(b"head hash 0123", signed_data, signer_validation_context=context))
    assert status.intact and status.valid and status.trusted
    other = asyncio.run(async_validate_detached_cms(b"head hash 0124", signed_data, signer_validation_context=context))
    assert not other.intact
