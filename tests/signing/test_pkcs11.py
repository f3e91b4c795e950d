"""The PKCS#11 backend against SoftHSM (a software token): the key never leaves the token, the signature validates."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certportal import signing
from tests.signing.conftest import embedded_signatures

MODULE = next(
    (
        p
        for p in ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
        if Path(p).exists()
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    MODULE is None or shutil.which("softhsm2-util") is None, reason="SoftHSM (Debian package softhsm2) is not installed"
)


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A SoftHSM token holding the body's key (imported once), its certificate and the CA's, all labelled."""
    pkcs11 = pytest.importorskip("pkcs11")
    from pkcs11 import Attribute, CertificateType, ObjectClass

    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    (home / "softhsm2.conf").write_text(f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(home / "softhsm2.conf")  # read when the library is first loaded
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "certportal", "--pin", "1234", "--so-pin", "5678"],
        check=True,
        capture_output=True,
    )
    key, cert, (ca,) = pkcs12.load_key_and_certificates(signing.development_pkcs12("硬件认证中心"), None)
    (home / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    subprocess.run(
        ["softhsm2-util", "--import", str(home / "key.pem"), "--token", "certportal", "--label", "body"]
        + ["--id", "01", "--pin", "1234"],
        check=True,
        capture_output=True,
    )
    (home / "key.pem").unlink()
    with pkcs11.lib(MODULE).get_token(token_label="certportal").open(rw=True, user_pin="1234") as session:
        for label, certificate in [("body", cert), ("ca", ca)]:
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                    Attribute.SUBJECT: certificate.subject.public_bytes(),
                }
            )
    return translate_pyca_cryptography_cert_to_asn1(ca)


def test_a_pdf_signed_in_the_token_validates(settings, token, plain_pdf, tmp_path):
    settings.SIGNING_KEY_BACKEND = "certportal.signing.PKCS11Backend"
    settings.SIGNING_PKCS11_MODULE = MODULE
    settings.SIGNING_PKCS11_TOKEN_LABEL = "certportal"
    settings.SIGNING_PKCS11_PIN = "1234"
    settings.SIGNING_PKCS11_KEY_LABEL = "body"

    signed = signing.sign_pdf(plain_pdf, seal=True)

    (signature,) = embedded_signatures(signed)
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[token]))
    assert status.bottom_line
    assert "硬件认证中心 (DEVELOPMENT)" in status.signing_cert.subject.human_friendly
    assert [c.subject for c in signing.signer_certificate_chain()][-1] == token.subject
