"""PAdES levels against the loopback PKI (certomancer, tests/signing/pki.py): B-T with a timestamp authority, B-LT
when the signing certificate names a CRL or an OCSP responder; checked with pyHanko and with poppler's pdfsig."""

import asyncio
import os
import shutil
import subprocess

import pytest
from asn1crypto import cms
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from certportal import signing
from tests.signing.conftest import embedded_signatures, sign_without_revocation_data, use_key

# Without certutil (libnss3-tools, installed by `make system-deps`) pdfsig cannot be told to trust the loopback root;
# those checks skip then, except with CI=true, where they must run.
HAS_CERTUTIL = shutil.which("certutil") is not None or os.environ.get("CI") == "true"
needs_certutil = pytest.mark.skipif(not HAS_CERTUTIL, reason="certutil (libnss3-tools) is missing")


def unsigned_attributes(signature) -> list[str]:
    return [attribute["type"].native for attribute in signature.signer_info["unsigned_attrs"] or []]


def from_the_file(signature, pki):
    """A validation context with nothing but what the file carries: no fetching, revocation data required."""
    return DocumentSecurityStore.read_dss(signature.reader).as_validation_context(
        {"trust_roots": [pki.root_asn1], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )


def pdfsig_trusting(pki, data: bytes, tmp_path) -> str:
    """poppler's report on the file, with an NSS database that trusts the loopback root; pdfsig asks the
    certificate's OCSP responder itself (online), independently of what the file embeds."""
    nssdir = tmp_path / "nss"
    nssdir.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nssdir}", "--empty-password"], check=True, capture_output=True)
    root = tmp_path / "root.der"
    root.write_bytes(pki.root_asn1.dump())
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nssdir}", "-n", "loopback root", "-t", "C,C,C", "-i", str(root)],
        check=True,
        capture_output=True,
    )
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    run = subprocess.run(["pdfsig", "-nssdir", f"sql:{nssdir}", str(path)], capture_output=True, text=True)
    return run.stdout


def test_b_t_carries_a_timestamp_token_from_the_configured_authority(settings, tmp_path, loopback, plain_pdf):
    use_key(settings, tmp_path, loopback.signer_pkcs12("signer-plain"))
    settings.SIGNING_TSA_URL = loopback.tsa_url

    signed = signing.sign_pdf(plain_pdf)

    assert "/loopback/tsa/tsa" in loopback.seen
    (signature,) = embedded_signatures(signed)
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[loopback.root_asn1]))
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert "signature_time_stamp_token" in unsigned_attributes(signature)
    assert "/DSS" not in signature.reader.root  # no revocation source named: not B-LT


def test_without_an_authority_there_is_no_timestamp_token(settings, tmp_path, loopback, plain_pdf):
    use_key(settings, tmp_path, loopback.signer_pkcs12("signer-plain"))
    settings.SIGNING_TSA_URL = ""

    (signature,) = embedded_signatures(signing.sign_pdf(plain_pdf))

    assert loopback.seen == [] and "signature_time_stamp_token" not in unsigned_attributes(signature)


def test_b_lt_embeds_the_crl_the_certificate_names(settings, tmp_path, loopback, plain_pdf):
    use_key(settings, tmp_path, loopback.signer_pkcs12("signer-crl"))
    settings.SIGNING_TSA_URL = loopback.tsa_url

    signed = signing.sign_pdf(plain_pdf)

    assert loopback.crl_path in loopback.seen
    (signature,) = embedded_signatures(signed)
    dss = signature.reader.root["/DSS"]
    assert len(dss["/CRLs"]) >= 1 and len(dss["/Certs"]) >= 1
    loopback.seen.clear()
    assert validate_pdf_signature(signature, from_the_file(signature, loopback)).bottom_line
    stripped = ValidationContext(
        trust_roots=[loopback.root_asn1], allow_fetching=False, revocation_mode="hard-fail", crls=[], ocsps=[]
    )
    assert not validate_pdf_signature(signature, stripped).bottom_line  # without the embedded CRL it cannot tell
    assert loopback.seen == []


def test_b_lt_embeds_the_ocsp_response_of_the_responder_the_certificate_names(settings, tmp_path, loopback, plain_pdf):
    use_key(settings, tmp_path, loopback.signer_pkcs12("signer-ocsp"))
    settings.SIGNING_TSA_URL = loopback.tsa_url

    signed = signing.sign_pdf(plain_pdf, seal=True)

    assert loopback.ocsp_path in loopback.seen
    (signature,) = embedded_signatures(signed)
    dss = signature.reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 1 and "/CRLs" not in dss
    loopback.seen.clear()
    context = from_the_file(signature, loopback)
    status = validate_pdf_signature(signature, context)
    assert status.bottom_line and status.timestamp_validity is not None
    assert loopback.seen == []  # validated from the file alone
    stripped = ValidationContext(
        trust_roots=[loopback.root_asn1], allow_fetching=False, revocation_mode="hard-fail", crls=[], ocsps=[]
    )
    assert not validate_pdf_signature(signature, stripped).bottom_line  # the OCSP response is what proves it


@needs_certutil
def test_pdfsig_checks_the_ocsp_signed_pdf_independently(settings, tmp_path, loopback, plain_pdf):
    use_key(settings, tmp_path, loopback.signer_pkcs12("signer-ocsp"))
    settings.SIGNING_TSA_URL = loopback.tsa_url
    signed = signing.sign_pdf(plain_pdf)
    loopback.seen.clear()

    report = pdfsig_trusting(loopback, signed, tmp_path)

    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate is Trusted." in report
    assert loopback.ocsp_path in loopback.seen  # poppler asked the responder itself


def test_a_revoked_signing_certificate_is_reported_revoked(settings, tmp_path, loopback, plain_pdf):
    use_key(settings, tmp_path, loopback.signer_pkcs12("signer-revoked"))
    settings.SIGNING_TSA_URL = loopback.tsa_url

    # pyHanko validates the chain when it fetches the revocation data to embed: it refuses to sign.
    with pytest.raises(SigningError) as refused:
        signing.sign_pdf(plain_pdf)
    assert isinstance(refused.value.__cause__, RevokedError)

    # The same certificate without the long-term step: a B-T signature, which the OCSP responder says is revoked.
    signed = sign_without_revocation_data(plain_pdf)
    (signature,) = embedded_signatures(signed)
    online = ValidationContext(trust_roots=[loopback.root_asn1], allow_fetching=True, revocation_mode="hard-fail")
    status = validate_pdf_signature(signature, online)
    assert status.intact and status.valid and not status.trusted
    assert status.revoked
    if HAS_CERTUTIL:
        assert "Certificate has been Revoked." in pdfsig_trusting(loopback, signed, tmp_path)


def test_a_detached_signature_is_timestamped_when_an_authority_is_configured(settings, tmp_path, loopback):
    use_key(settings, tmp_path, loopback.signer_pkcs12("signer-plain"))
    settings.SIGNING_TSA_URL = loopback.tsa_url

    signed_data = cms.ContentInfo.load(signing.sign_detached(b"head"))["content"]

    status = asyncio.run(
        async_validate_detached_cms(
            b"head", signed_data, signer_validation_context=ValidationContext(trust_roots=[loopback.root_asn1])
        )
    )
    assert status.bottom_line and status.timestamp_validity is not None
