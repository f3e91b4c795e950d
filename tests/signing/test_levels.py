"""PAdES levels: B-T with a timestamp authority, B-LT when the signing certificate names a CRL."""

import asyncio

import pytest
from asn1crypto import cms
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from certportal import signing
from tests.signing.conftest import embedded_signatures
from tests.signing.pki import LoopbackPKI, serve


@pytest.fixture
def loopback():
    pki, server, seen = serve(LoopbackPKI)
    yield pki, seen
    server.shutdown()
    server.server_close()


def unsigned_attributes(signature) -> list[str]:
    return [attribute["type"].native for attribute in signature.signer_info["unsigned_attrs"] or []]


def use_key(settings, tmp_path, data: bytes):
    path = tmp_path / "body.p12"
    path.write_bytes(data)
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(path), ""


def test_b_t_carries_a_timestamp_token_from_the_configured_authority(settings, tmp_path, loopback, plain_pdf):
    pki, seen = loopback
    use_key(settings, tmp_path, pki.signer_pkcs12(crl=False))
    settings.SIGNING_TSA_URL = pki.url + "/tsa"

    signed = signing.sign_pdf(plain_pdf)

    assert "/tsa" in seen
    (signature,) = embedded_signatures(signed)
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[pki.root_asn1]))
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert "signature_time_stamp_token" in unsigned_attributes(signature)


def test_without_an_authority_there_is_no_timestamp_token(settings, tmp_path, loopback, plain_pdf):
    pki, seen = loopback
    use_key(settings, tmp_path, pki.signer_pkcs12(crl=False))
    settings.SIGNING_TSA_URL = ""

    (signature,) = embedded_signatures(signing.sign_pdf(plain_pdf))

    assert seen == [] and "signature_time_stamp_token" not in unsigned_attributes(signature)


def test_b_lt_embeds_the_revocation_data_the_certificate_names(settings, tmp_path, loopback, plain_pdf):
    pki, seen = loopback
    use_key(settings, tmp_path, pki.signer_pkcs12(crl=True))
    settings.SIGNING_TSA_URL = pki.url + "/tsa"

    signed = signing.sign_pdf(plain_pdf)

    assert "/crl" in seen
    (signature,) = embedded_signatures(signed)
    dss = signature.reader.root["/DSS"]
    assert len(dss["/CRLs"]) >= 1 and len(dss["/Certs"]) >= 1
    # Offline, from what the file carries: no fetching, and revocation data is required.
    context = DocumentSecurityStore.read_dss(signature.reader).as_validation_context(
        {"trust_roots": [pki.root_asn1], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    assert validate_pdf_signature(signature, context).bottom_line
    seen.clear()
    stripped = ValidationContext(
        trust_roots=[pki.root_asn1], allow_fetching=False, revocation_mode="hard-fail", crls=[], ocsps=[]
    )
    assert not validate_pdf_signature(signature, stripped).bottom_line  # without the embedded CRL it cannot tell
    assert seen == []


def test_a_detached_signature_is_timestamped_when_an_authority_is_configured(settings, tmp_path, loopback):
    pki, seen = loopback
    use_key(settings, tmp_path, pki.signer_pkcs12(crl=False))
    settings.SIGNING_TSA_URL = pki.url + "/tsa"

    signed_data = cms.ContentInfo.load(signing.sign_detached(b"head"))["content"]

    status = asyncio.run(
        async_validate_detached_cms(
            b"head", signed_data, signer_validation_context=ValidationContext(trust_roots=[pki.root_asn1])
        )
    )
    assert status.bottom_line and status.timestamp_validity is not None
