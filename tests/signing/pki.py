"""A loopback PKI for the signing tests: a root CA, a timestamp authority (RFC 3161 over HTTP) and a CRL, served by
a local HTTP server; keys made in the test."""

import datetime
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

NOW = datetime.datetime.now(datetime.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(subject, key, issuer, issuer_key, *, ca=False, extensions=()):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class LoopbackPKI:
    url: str
    root: x509.Certificate = field(init=False)

    def __post_init__(self):
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _issue(_name("Loopback Root CA"), self.root_key, _name("Loopback Root CA"), self.root_key, ca=True)
        self.tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA: RSA
        self.tsa = _issue(
            _name("Loopback TSA"),
            self.tsa_key,
            self.root.subject,
            self.root_key,
            extensions=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)],
        )
        self.crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(NOW - datetime.timedelta(hours=1))
            .next_update(NOW + datetime.timedelta(days=7))
            .sign(self.root_key, hashes.SHA256())
        )

    def signer_pkcs12(self, *, crl: bool) -> bytes:
        """The body's key and certificate issued by the root, naming the CRL when `crl`."""
        key = ec.generate_private_key(ec.SECP256R1())
        extensions = [(x509.KeyUsage(True, True, False, False, False, False, False, False, False), True)]
        if crl:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(self.url + "/crl")], None, None, None)
            extensions.append((x509.CRLDistributionPoints([point]), False))
        cert = _issue(_name("测试认证中心"), key, self.root.subject, self.root_key, extensions=extensions)
        return pkcs12.serialize_key_and_certificates(b"body", key, cert, [self.root], serialization.NoEncryption())

    def timestamper(self) -> DummyTimeStamper:
        return DummyTimeStamper(
            tsa_cert=translate_pyca_cryptography_cert_to_asn1(self.tsa),
            tsa_key=translate_pyca_cryptography_key_to_asn1(self.tsa_key),
        )

    @property
    def root_asn1(self):
        return translate_pyca_cryptography_cert_to_asn1(self.root)


def serve(pki_factory):
    """Start the loopback server; returns (pki, server, requests seen)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(self.path)
            body = pki.crl.public_bytes(serialization.Encoding.DER)
            self._answer("application/pkix-crl", body)

        def do_POST(self):  # noqa: N802
            seen.append(self.path)
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            self._answer("application/timestamp-reply", pki.timestamper().request_tsa_response(request).dump())

        def _answer(self, content_type, body):
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    pki = pki_factory(f"http://127.0.0.1:{server.server_port}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return pki, server, seen
