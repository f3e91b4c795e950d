"""The body's electronic signature on the documents it issues: PAdES signatures on PDFs (pyHanko) and detached
CMS signatures on other data, with the body's key.

Where the key lives is a replaceable backend (setting SIGNING_KEY_BACKEND, a dotted path to a class with a `signer()`
method returning a pyHanko Signer): the default reads a PKCS#12 file (SIGNING_PKCS12_PATH, SIGNING_PKCS12_PASSWORD),
PKCS11Backend signs inside a hardware module; another (an SM2 e-seal, say) only has to return its own Signer.

Levels: PAdES B-B; B-T when SIGNING_TSA_URL names an RFC 3161 timestamp authority; B-LT when the signing
certificate names a CRL or an OCSP responder (the revocation data is fetched and embedded in the file).
"""

import asyncio
import binascii
import functools
import hashlib
import io
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asn1crypto import cms, tsp, x509
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.utils.html import escape
from django.utils.module_loading import import_string
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils import content, layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import attributes, fields, signers, timestamps
from pyhanko.sign.attributes import CMSAttributeProvider
from pyhanko.sign.general import as_signing_certificate_v2, get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_cms import Signer, SimpleSigner
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

DIGEST = "sha256"
_RESERVE_B_B = 16 * 1024  # bytes for a B-B signature: the signer's chain, a signature of up to RSA-8192 and attributes


@functools.cache
def _signing_certificate_v2(cert_der: bytes) -> tsp.SigningCertificateV2:
    cert = x509.Certificate.load(cert_der)
    return tsp.SigningCertificateV2.load(as_signing_certificate_v2(cert).dump())


class _PreparedSigningCertificateV2(attributes.SigningCertificateV2Provider):
    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return _signing_certificate_v2(self.signing_cert.dump())


class PreparedSigningCertificate:
    """For a pyHanko Signer: the signing-certificate-v2 attribute (the signer certificate's hash and its issuer's
    name) is built once per certificate and kept as parsed from its DER. pyHanko builds it anew for every signature,
    and asn1crypto serialises a freshly built value again at every level it is nested in (the attribute, the signed
    attributes, the SignerInfo, the SignedData), several times per signature: that took most of a signature's time
    (bench/bench_signing.py)."""

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterator[CMSAttributeProvider]:
        for provider in super()._signed_attr_providers(*args, **kwargs):  # type: ignore[misc]
            if isinstance(provider, attributes.SigningCertificateV2Provider):
                provider = _PreparedSigningCertificateV2(provider.signing_cert)
            yield provider


class KeyInMemorySigner(PreparedSigningCertificate, SimpleSigner):
    """A SimpleSigner that keeps its private key loaded (pyHanko's loads it again for every signature, which takes
    tens of milliseconds for an RSA key)."""

    def __init__(self, private_key: PrivateKeyTypes, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self.private_key, RSAPrivateKey):
            return self.private_key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self.private_key, EllipticCurvePrivateKey):
            return self.private_key.sign(data, ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


class PKCS12Backend:
    """The body's key and certificate chain from a PKCS#12 file."""

    def signer(self) -> Signer:
        with open(settings.SIGNING_PKCS12_PATH, "rb") as f:
            data = f.read()
        key, cert, others = pkcs12.load_key_and_certificates(data, settings.SIGNING_PKCS12_PASSWORD.encode() or None)
        assert key is not None and cert is not None  # a signing key file holds both
        registry = SimpleCertificateStore()
        registry.register_multiple(translate_pyca_cryptography_cert_to_asn1(c) for c in others)
        return KeyInMemorySigner(
            key,
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
            cert_registry=registry,
        )


class PKCS11Backend:
    """The body's key in a hardware module (or any PKCS#11 token), through pyHanko's PKCS#11 support (python-pkcs11
    must be installed). SIGNING_PKCS11_MODULE: the module's library; SIGNING_PKCS11_TOKEN_LABEL: the token;
    SIGNING_PKCS11_PIN: its user PIN; SIGNING_PKCS11_KEY_LABEL: the label of the private key and of its certificate
    on the token. The CA certificates on the token travel with each signature. One session per process."""

    def signer(self) -> Signer:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        session = open_pkcs11_session(
            settings.SIGNING_PKCS11_MODULE,
            token_criteria=TokenCriteria(label=settings.SIGNING_PKCS11_TOKEN_LABEL),
            user_pin=settings.SIGNING_PKCS11_PIN,
        )

        class PreparedPKCS11Signer(PreparedSigningCertificate, PKCS11Signer):
            pass  # here, as python-pkcs11 is imported only for this backend

        label = settings.SIGNING_PKCS11_KEY_LABEL
        # other_certs_to_pull=None: all the certificates on the token
        return PreparedPKCS11Signer(session, cert_label=label, key_label=label, other_certs_to_pull=None)


@functools.cache
def _signer(backend_path: str, *config: Any) -> Signer:
    """One Signer per process and configuration (loading a PKCS#12 file costs milliseconds)."""
    return import_string(backend_path)().signer()


def get_signer() -> Signer:
    return _signer(
        settings.SIGNING_KEY_BACKEND,
        settings.SIGNING_PKCS12_PATH,
        settings.SIGNING_PKCS12_PASSWORD,
        settings.SIGNING_PKCS11_MODULE,
        settings.SIGNING_PKCS11_TOKEN_LABEL,
        settings.SIGNING_PKCS11_KEY_LABEL,
    )


def signer_certificate_chain() -> list[x509.Certificate]:
    """The signing certificate first, then the issuers the backend knows of (asn1crypto certificates)."""
    signer = get_signer()
    cert = signer.signing_cert
    assert cert is not None  # every backend signs with a certificate
    chain = [cert]
    known = list(signer.cert_registry)
    while not chain[-1].self_issued:
        issuers = [c for c in known if c.subject == chain[-1].issuer and c not in chain]
        if not issuers:
            break
        chain.append(issuers[0])
    return chain


def extra_trust_roots() -> list[x509.Certificate]:
    """Old or additional CA certificates named by SIGNING_EXTRA_TRUST_ROOTS (PEM or DER files)."""
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder(settings.SIGNING_EXTRA_TRUST_ROOTS))


def trust_roots() -> list[x509.Certificate]:
    """The roots our signatures chain up to: the current chain's self-signed certificate and the extra roots."""
    roots = [c for c in signer_certificate_chain() if c.self_signed != "no"]  # asn1crypto says "no", "maybe" or "yes"
    return roots + extra_trust_roots()


def _timestamper() -> timestamps.TimeStamper | None:
    if not settings.SIGNING_TSA_URL:
        return None
    return timestamps.HTTPTimeStamper(settings.SIGNING_TSA_URL, timeout=10)


def _names_revocation_source(cert: x509.Certificate) -> bool:
    return bool(cert.crl_distribution_points or cert.ocsp_urls)


def sign_pdf(data: bytes, *, seal: bool = False, field_name: str = "Signature1") -> bytes:
    """The PDF with the body's PAdES signature appended (an incremental update: the signed bytes are the input's).

    `seal`: draw a visible seal on the first page (the certificate's); otherwise the signature is invisible."""
    signer = get_signer()
    cert = signer.signing_cert
    assert cert is not None
    long_term = _names_revocation_source(cert)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=long_term,
        validation_context=ValidationContext(trust_roots=trust_roots(), allow_fetching=True) if long_term else None,
    )
    field_spec = fields.SigFieldSpec(field_name, on_page=0, box=SEAL_BOX if seal else None)
    style = (
        StaticStampStyle(background=SealPage(seal_pdf_path()), border_width=0, background_layout=_FILL)
        if seal
        else None
    )
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=_timestamper(), new_field_spec=field_spec, stamp_style=style
    )
    # Without a timestamp or revocation data the signature's size is known: reserve it rather than have pyHanko
    # sign a dummy first to measure it.
    reserved = None if long_term or settings.SIGNING_TSA_URL else _RESERVE_B_B
    out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False), bytes_reserved=reserved)
    return out.getvalue()


# --- The visible seal ------------------------------------------------------------------------------------------------

# Where the seal goes on the first page, in PDF points from the bottom left of the certificate's landscape A4 page:
# its free space beside the signatory and QR code, above the validity note.
SEAL_BOX = (410, 110, 570, 166)
_FILL = layout.SimpleBoxLayoutRule(
    x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN, margins=layout.Margins()
)
_SEAL_HTML = """<!doctype html><html><head><style>
@page {{ size: {width}pt {height}pt; margin: 0 }}
html, body {{ margin: 0; height: 100%; }}
body {{ box-sizing: border-box; border: 1.2pt solid #b3261e; border-radius: 4pt; padding: 4pt 6pt; color: #b3261e;
  font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: 8pt; line-height: 1.35; }}
.name {{ font-weight: bold; font-size: 10pt; }}
</style></head><body><div class="name">{name}</div><div>{name_en}</div>
<div>电子签章 · Digitally signed (PAdES)</div></body></html>"""


def seal_pdf_path() -> str:
    """A one-page PDF with the seal's appearance (the body's name), rendered once and kept under var/signing/."""
    from weasyprint import HTML

    width, height = SEAL_BOX[2] - SEAL_BOX[0], SEAL_BOX[3] - SEAL_BOX[1]
    html = _SEAL_HTML.format(
        width=width,
        height=height,
        name=escape(settings.CERTIFICATION_BODY_NAME),
        name_en=escape(settings.CERTIFICATION_BODY_NAME_EN),
    )
    path = Path(settings.VAR_DIR) / "signing" / f"seal-{hashlib.sha256(html.encode()).hexdigest()[:16]}.pdf"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(HTML(string=html).write_pdf())
        tmp.replace(path)  # atomic: a concurrent signer reads a whole file or none
    return str(path)


class SealPage(content.ImportedPdfPage):
    """The seal's page imported into the signed file as a form XObject, as pyHanko's ImportedPdfPage does, from a
    reader of the seal's PDF kept for the process: pyHanko's reads and parses the file for every signature."""

    _lock = threading.Lock()  # the kept reader's objects are parsed on first use: one import at a time

    def render(self) -> bytes:
        writer = self._ensure_writer
        with self._lock:
            xobject = writer.import_page_as_xobject(_seal_reader(self.file_name), page_ix=self.page_ix)
        resource_name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
        self.resources.xobject[resource_name.decode("ascii")] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return resource_name + b" Do"


@functools.cache
def _seal_reader(path: str) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(Path(path).read_bytes()))


def sign_detached(data: bytes) -> bytes:
    """A detached CMS (PKCS#7) signature of `data`, DER, carrying the certificate chain; timestamped (CAdES
    signature timestamp) when SIGNING_TSA_URL is set."""
    signer = get_signer()
    signed: cms.ContentInfo = asyncio.run(
        signer.async_sign_general_data(data, DIGEST, detached=True, timestamper=_timestamper())
    )
    return signed.dump()


# --- Development keys: `make run` signs with a throwaway CA that says what it is in its own name ----------------------

DEVELOPMENT_CA_NAME = "certportal DEVELOPMENT CA — not for production"
DEVELOPMENT_MARK = "(DEVELOPMENT)"


def is_development_certificate(cert: x509.Certificate) -> bool:
    names = (cert.subject.human_friendly, cert.issuer.human_friendly)
    return any(DEVELOPMENT_CA_NAME in name or DEVELOPMENT_MARK in name for name in names)


def development_pkcs12(body_name: str, password: str = "") -> bytes:
    """A new development CA and a signing certificate issued by it ("<body> (DEVELOPMENT)"), as PKCS#12."""
    return new_ca_and_signer_pkcs12(DEVELOPMENT_CA_NAME, f"{body_name} {DEVELOPMENT_MARK}", body_name, password)


def new_ca_and_signer_pkcs12(ca_name: str, signer_name: str, organization: str, password: str = "") -> bytes:
    """A new CA (RSA-3072, ten years) and a signing certificate it issued (RSA-2048, five years), as PKCS#12."""
    import datetime

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    name = cx509.Name(
        [
            cx509.NameAttribute(NameOID.COMMON_NAME, signer_name),
            cx509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    ca_ski = cx509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        cx509.CertificateBuilder()
        .subject_name(issuer)
        .issuer_name(issuer)
        .public_key(ca_key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            cx509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1825))
        .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            cx509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )  # digitalSignature, nonRepudiation
        .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(cx509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(cx509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"certportal-signing", key, cert, [ca_cert], encryption)
