"""A loopback PKI for the signing tests, served by certomancer (the test PKI of pyHanko's author): a root CA, an
RFC 3161 timestamp authority, an OCSP responder and a CRL, over HTTP on 127.0.0.1. The keys are made when the PKI
starts, in a temporary folder (certomancer reads its keys from files); nothing is shipped.

Signing certificates issued by the root (each with its own key), to sign as the body with:
- "signer-plain" names no revocation source (PAdES B-B, or B-T with the timestamp authority);
- "signer-crl" names the CRL (its distribution point), "signer-ocsp" the OCSP responder (authority information
  access): either makes the signature B-LT;
- "signer-revoked" names the OCSP responder, which answers that it was revoked an hour before the PKI started.
"""

import datetime
import threading
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertLabel, CertomancerConfig, KeyLabel
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from werkzeug.serving import WSGIRequestHandler, make_server

ARCH = "loopback"
SIGNERS = ("signer-plain", "signer-crl", "signer-ocsp", "signer-revoked")


def _iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _write_keys(directory: Path) -> dict:
    """A new private key per label, as unencrypted PEM files; returns certomancer's key set configuration."""
    keys = {}
    for label in ("root", "tsa", "ocsp", *SIGNERS):
        # pyHanko's own test authorities sign timestamps with RSA; the others use P-256, as the body might.
        key = rsa.generate_private_key(65537, 2048) if label == "tsa" else ec.generate_private_key(ec.SECP256R1())
        path = directory / f"{label}.key.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        keys[label] = {"path": str(path)}
    return {ARCH: {"keys": keys}}


def _usage(*names: str) -> dict:
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(names)}}


def _config(keysets: dict, now: datetime.datetime) -> dict:
    validity = {"valid-from": _iso(now - datetime.timedelta(days=1)), "valid-to": _iso(now + datetime.timedelta(365))}
    names_ocsp = {
        "id": "authority_information_access",
        "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}},
    }
    names_crl = {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
    }
    signer_extensions = {
        "signer-plain": [],
        "signer-crl": [names_crl],
        "signer-ocsp": [names_ocsp],
        "signer-revoked": [names_ocsp],
    }
    certs: dict = {
        "root": {
            "subject": "root",
            "issuer": "root",
            "validity": validity,
            "extensions": [
                {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                _usage("digital_signature", "key_cert_sign", "crl_sign"),
            ],
        },
        "tsa": {
            "subject": "tsa",
            "issuer": "root",
            "validity": validity,
            "extensions": [
                _usage("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
            ],
        },
        "ocsp": {
            "subject": "ocsp",
            "issuer": "root",
            "validity": validity,
            "extensions": [
                _usage("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"},  # the responder's own certificate is not checked for revocation
            ],
        },
    }
    for label in SIGNERS:
        certs[label] = {
            "subject": label,
            "issuer": "root",
            "validity": validity,
            "extensions": [_usage("digital_signature", "non_repudiation"), *signer_extensions[label]],
        }
    certs["signer-revoked"]["revocation"] = {
        "revoked-since": _iso(now - datetime.timedelta(hours=1)),
        "reason": "key_compromise",
    }
    return {
        "keysets": keysets,
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "CN", "organization-name": "测试认证中心"},
                "entities": {
                    "root": {"common-name": "Loopback Root CA"},
                    "tsa": {"common-name": "Loopback TSA"},
                    "ocsp": {"common-name": "Loopback OCSP responder"},
                    **{label: {"common-name": f"body {label}"} for label in SIGNERS},
                },
                "certs": certs,
                "services": {
                    "ocsp": {"root": {"for-issuer": "root", "responder-cert": "ocsp", "signing-key": "ocsp"}},
                    "crl-repo": {
                        "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P7D"}
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


class _WholeSecondsAnimator(Animator):
    """Certomancer's WSGI app, answering at the current whole second: NSS (pdfsig) rejects OCSP responses whose
    times carry fractions of a second."""

    def at_time(self, request):
        return super().at_time(request).replace(microsecond=0)


class _QuietHandler(WSGIRequestHandler):
    def log(self, *args, **kwargs):
        pass


class LoopbackPKI:
    """The running PKI: `url` its address, `seen` the paths requested so far (a test may clear it)."""

    def __init__(self, key_dir: Path):
        self.seen: list[str] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        config = CertomancerConfig(
            _config(_write_keys(key_dir), datetime.datetime.now(datetime.UTC)),
            key_search_dir=str(key_dir),
            external_url_prefix=self.url,
        )
        self.arch = config.get_pki_arch(ARCH)
        self._animator = _WholeSecondsAnimator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
        self.tsa_url = f"{self.url}/{ARCH}/tsa/tsa"
        self.ocsp_path = f"/{ARCH}/ocsp/root"
        self.crl_path = f"/{ARCH}/crls/root/latest.crl"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _app(self, environ, start_response):
        self.seen.append(environ["PATH_INFO"])
        return self._animator(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def root_asn1(self) -> asn1_x509.Certificate:
        return self.arch.get_cert(CertLabel("root"))

    def signer_pkcs12(self, label: str) -> bytes:
        """The body's key and certificate `label` (one of SIGNERS), with the root, as PKCS#12."""
        key = serialization.load_pem_private_key(Path(self.arch.key_set[KeyLabel(label)].path).read_bytes(), None)
        cert = x509.load_der_x509_certificate(self.arch.get_cert(CertLabel(label)).dump())
        root = x509.load_der_x509_certificate(self.root_asn1.dump())
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return pkcs12.serialize_key_and_certificates(b"body", key, cert, [root], serialization.NoEncryption())
