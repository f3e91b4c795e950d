import io

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from weasyprint import HTML

from certportal.signing import development_pkcs12
from tests.signing.pki import LoopbackPKI


@pytest.fixture(scope="session")
def body_key_file(tmp_path_factory):
    """A signing key made for the tests: a CA and a signing certificate issued by it, in a PKCS#12 file."""
    path = tmp_path_factory.mktemp("signing") / "body.p12"
    path.write_bytes(development_pkcs12("测试认证中心", "secret"))
    return path


@pytest.fixture
def body_key(settings, body_key_file):
    settings.SIGNING_PKCS12_PATH = str(body_key_file)
    settings.SIGNING_PKCS12_PASSWORD = "secret"
    settings.SIGNING_TSA_URL = ""
    return body_key_file


@pytest.fixture(scope="session")
def body_root(body_key_file):
    """The test CA's certificate (asn1crypto), the trust root of the body's signatures."""
    _, _, others = pkcs12.load_key_and_certificates(body_key_file.read_bytes(), b"secret")
    return translate_pyca_cryptography_cert_to_asn1(others[0])


@pytest.fixture(scope="session")
def plain_pdf():
    return HTML(string="<h1>证书 Certificate</h1>").write_pdf()


def embedded_signatures(data: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(data)).embedded_signatures


@pytest.fixture(scope="session")
def loopback_pki(tmp_path_factory):
    """The loopback PKI (tests/signing/pki.py), started once: a root CA, timestamp authority, OCSP responder, CRL."""
    pki = LoopbackPKI(tmp_path_factory.mktemp("loopback-pki"))
    yield pki
    pki.stop()


@pytest.fixture
def loopback(loopback_pki):
    """The loopback PKI with its record of requests cleared for the test."""
    loopback_pki.seen.clear()
    return loopback_pki


def use_key(settings, tmp_path, data: bytes) -> None:
    """Sign as the body with the PKCS#12 `data` (no password)."""
    path = tmp_path / "body.p12"
    path.write_bytes(data)
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(path), ""


def sign_without_revocation_data(data: bytes) -> bytes:
    """Signed with the configured key and timestamp authority, fetching and embedding no revocation data whatever
    the certificate names (B-T; B-B without an authority): as a copy signed before a revocation would be."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from certportal import signing

    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf_signer = signers.PdfSigner(meta, signing.get_signer(), timestamper=signing._timestamper())
    return pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False)).getvalue()
