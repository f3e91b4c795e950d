"""In a deployment the documents are signed with the body's own key: a development key or none is an Error."""

from certificates.checks import signing_key_check
from certportal.signing import new_ca_and_signer_pkcs12


def test_a_development_key_is_refused_when_debug_is_off(settings, body_key):
    settings.DEBUG = False
    (problem,) = signing_key_check()
    assert problem.id == "certificates.E005" and problem.is_serious()
    assert "development" in problem.msg and "(DEVELOPMENT)" in problem.msg


def test_a_missing_key_is_refused(settings, tmp_path):
    settings.DEBUG = False
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "none.p12")
    (problem,) = signing_key_check()
    assert problem.id == "certificates.E005" and "cannot be loaded" in problem.msg


def test_a_wrong_password_is_refused(settings, body_key):
    settings.DEBUG = False
    settings.SIGNING_PKCS12_PASSWORD = "wrong"
    (problem,) = signing_key_check()
    assert problem.id == "certificates.E005" and "cannot be loaded" in problem.msg


def test_the_bodys_own_key_passes_and_debug_allows_a_development_key(settings, body_key, tmp_path):
    settings.DEBUG = True
    assert signing_key_check() == []
    own = tmp_path / "own.p12"
    own.write_bytes(new_ca_and_signer_pkcs12("某认证机构 CA", "测试认证中心", "测试认证中心"))
    settings.DEBUG, settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = False, str(own), ""
    assert signing_key_check() == []


def test_create_dev_signing_key_creates_a_development_key_once(settings, tmp_path):
    from cryptography.hazmat.primitives.serialization import pkcs12
    from django.core.management import call_command
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1

    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(tmp_path / "signing" / "dev.p12"), ""
    call_command("create_dev_signing_key")
    first = (tmp_path / "signing" / "dev.p12").read_bytes()
    call_command("create_dev_signing_key")
    assert (tmp_path / "signing" / "dev.p12").read_bytes() == first  # idempotent: an existing key is kept

    _, cert, (ca,) = pkcs12.load_key_and_certificates(first, None)
    assert "(DEVELOPMENT)" in translate_pyca_cryptography_cert_to_asn1(cert).subject.human_friendly
    assert (
        "certportal DEVELOPMENT CA — not for production"
        in translate_pyca_cryptography_cert_to_asn1(ca).subject.human_friendly
    )
