"""Verifying an uploaded PDF: who signed it, whether it changed since, when; key rotation keeps old documents valid."""

import datetime
import io

import pikepdf
import pytest
import time_machine
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.timestamps import DummyTimeStamper

from certportal import signing
from certportal.verification import APPENDED_BYTES, CHANGED_BYTES, INCREMENTAL_UPDATE, UnreadablePdf, verify_pdf

NOW = datetime.datetime.now(datetime.UTC)


def _name(common_name, organization="测试认证中心"):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def _certificate(subject, key, issuer, issuer_key, *, ca, extensions=(), valid=None):
    """An X.509 certificate; `valid` (from, until) defaults to 60 days ago to a year from now."""
    valid = valid or (NOW - datetime.timedelta(days=60), NOW + datetime.timedelta(days=365))
    usage = (False, False, False, False, False, True, True) if ca else (True, True, False, False, False, False, False)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(*usage, False, False), critical=True)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


class BodyKey:
    """A CA and a signing certificate issued by it, as the PKCS#12 file the portal is configured with."""

    def __init__(self, directory, label, organization="测试认证中心", *, expired=False):
        ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        self.ca_key = ca_key
        ca_name = _name(f"{label} CA", organization)
        self.ca = _certificate(ca_name, ca_key, ca_name, ca_key, ca=True)
        valid = (NOW - datetime.timedelta(days=30), NOW - datetime.timedelta(days=10)) if expired else None
        self.cert = _certificate(
            _name(f"{label} signing", organization),
            key,
            ca_name,
            ca_key,
            ca=False,
            **({"valid": valid} if valid else {}),
        )
        self.p12_path = directory / f"{label}.p12"
        self.p12_path.write_bytes(
            pkcs12.serialize_key_and_certificates(b"test", key, self.cert, [self.ca], serialization.NoEncryption())
        )
        self.ca_path = directory / f"{label}-ca.pem"
        self.ca_path.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))

    def configure(self, settings, extra_roots=()):
        settings.SIGNING_PKCS12_PATH = str(self.p12_path)
        settings.SIGNING_PKCS12_PASSWORD = ""
        settings.SIGNING_TSA_URL = ""
        settings.SIGNING_EXTRA_TRUST_ROOTS = [str(path) for path in extra_roots]

    def timestamper(self, at):
        """A timestamp authority whose certificate the body's CA issued, answering with the time `at`."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA signs with RSA
        eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])
        cert = _certificate(_name("TSA"), key, self.ca.subject, self.ca_key, ca=False, extensions=[eku])
        return DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            tsa_key=load_private_key_from_pemder_data(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ),
                passphrase=None,
            ),
            fixed_dt=at,
        )


def blank_pdf():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def with_one_byte_changed(pdf):
    """The page's size changed by one digit (inside the signed bytes)."""
    changed = bytearray(pdf)
    at = pdf.index(b"/MediaBox") + len(b"/MediaBox [ 0 0 6")
    changed[at] = ord("7") if changed[at] != ord("7") else ord("8")
    return bytes(changed)


def with_incremental_update(pdf):
    """The first page turned by 90 degrees in an incremental update appended after the signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0]
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def our_key(tmp_path, settings):
    key = BodyKey(tmp_path, "body")
    key.configure(settings)
    return key


def test_a_signed_pdf_says_who_signed_it_and_that_it_is_unchanged(our_key):
    signed = signing.sign_pdf(blank_pdf())
    result = verify_pdf(signed, issued_sha256=verify_pdf(signed).sha256)
    assert result.signed and result.trusted and result.intact and result.unchanged
    assert (result.signer.common_name, result.signer.organization) == ("body signing", "测试认证中心")
    assert [name.common_name for name in result.chain] == ["body signing", "body CA"]
    assert (result.coverage, result.modification_level, result.change) == ("ENTIRE_FILE", "NONE", "")
    assert abs(result.signed_at - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=1)
    assert result.timestamped_at is None  # no timestamp authority configured
    assert result.matches_issued is True


def test_a_timestamp_tokens_time_is_the_signing_time_when_there_is_one(our_key, monkeypatch):
    at = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(signing, "_timestamper", lambda: our_key.timestamper(at))
    result = verify_pdf(signing.sign_pdf(blank_pdf()))
    assert result.unchanged and result.trusted
    assert result.timestamped_at == at


def test_a_timestamped_signature_stays_valid_after_the_signing_certificate_expired(tmp_path, settings, monkeypatch):
    key = BodyKey(tmp_path, "2025", expired=True)  # valid from 30 to 10 days ago
    key.configure(settings)
    then = NOW - datetime.timedelta(days=20)
    with time_machine.travel(then, tick=False):
        monkeypatch.setattr(signing, "_timestamper", lambda: key.timestamper(then))
        timestamped = signing.sign_pdf(blank_pdf())
        monkeypatch.setattr(signing, "_timestamper", lambda: None)
        untimestamped = signing.sign_pdf(blank_pdf())

    result = verify_pdf(timestamped)
    assert result.trusted and result.unchanged and result.timestamped_at == then
    assert not verify_pdf(untimestamped).trusted  # nothing proves it was signed while the certificate was valid


def test_one_changed_byte_makes_it_modified(our_key):
    signed = signing.sign_pdf(blank_pdf())
    result = verify_pdf(with_one_byte_changed(signed), issued_sha256=verify_pdf(signed).sha256)
    assert result.signed and not result.intact and not result.unchanged
    assert result.change == CHANGED_BYTES
    assert result.matches_issued is False


def test_an_incremental_update_after_signing_is_named(our_key):
    result = verify_pdf(with_incremental_update(signing.sign_pdf(blank_pdf())))
    assert result.signed and result.intact and not result.unchanged
    assert (result.coverage, result.change) == ("ENTIRE_REVISION", INCREMENTAL_UPDATE)
    assert result.matches_issued is None


def test_an_unsigned_pdf_says_so(our_key):
    result = verify_pdf(blank_pdf())
    assert not result.signed and not result.unchanged and result.signer is None


@pytest.mark.parametrize("data", [b"%PDF-1.7\n garbage \x00\xff", b"", b"hello"])
def test_garbage_is_unreadable(our_key, data):
    with pytest.raises(UnreadablePdf):
        verify_pdf(data)


def test_a_signature_by_an_outsider_is_not_ours(our_key, tmp_path, settings):
    outsider = BodyKey(tmp_path, "outsider", organization="冒名认证中心")
    outsider.configure(settings)
    forged = signing.sign_pdf(blank_pdf())
    our_key.configure(settings)
    result = verify_pdf(forged)
    assert result.signed and result.intact and not result.trusted
    assert result.signer.organization == "冒名认证中心" and result.chain == []


def test_after_a_key_rotation_documents_signed_with_the_old_key_still_validate(our_key, tmp_path, settings):
    old_document = signing.sign_pdf(blank_pdf())
    new_key = BodyKey(tmp_path, "body-2027")
    new_key.configure(settings, extra_roots=[our_key.ca_path])
    new_document = signing.sign_pdf(blank_pdf())

    old, new = verify_pdf(old_document), verify_pdf(new_document)
    assert old.trusted and old.unchanged and [n.common_name for n in old.chain] == ["body signing", "body CA"]
    assert new.trusted and new.unchanged and new.signer.common_name == "body-2027 signing"

    new_key.configure(settings)  # the former CA no longer listed: the old documents are no longer ours
    assert not verify_pdf(old_document).trusted


def test_a_changed_signature_makes_it_modified(our_key):
    signed = signing.sign_pdf(blank_pdf())
    changed = bytearray(signed)
    at = signed.index(b"/Contents <") + len(b"/Contents <") + 10
    changed[at] = ord("0") if changed[at] != ord("0") else ord("1")
    result = verify_pdf(bytes(changed))
    assert result.signed and not result.unchanged and result.change == CHANGED_BYTES


def test_bytes_appended_after_the_signature_are_named(our_key):
    result = verify_pdf(signing.sign_pdf(blank_pdf()) + b"\n% appended\n")
    assert result.signed and result.intact and not result.unchanged
    assert result.change == APPENDED_BYTES
