import io

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from weasyprint import HTML

from certportal.signing import development_pkcs12


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
