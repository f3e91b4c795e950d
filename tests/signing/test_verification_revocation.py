"""Verification checks the signing certificate's revocation from the data the file embeds (PAdES B-LT), fetching
nothing, and says so on the public page in both languages; a file without such data says it was not checked."""

import asyncio
import contextlib
import hashlib
import io

import pytest
from certomancer.registry import CertLabel
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from certificates import services
from certificates.models import Certificate
from certportal import signing
from certportal.verification import (
    REVOCATION_GOOD,
    REVOCATION_INCOMPLETE,
    REVOCATION_NOT_EMBEDDED,
    REVOCATION_REVOKED,
    verify_pdf,
)
from tests.factories import ready_for_decision
from tests.signing.conftest import sign_without_revocation_data, use_key


def sign_as(settings, tmp_path, pki, label: str, data: bytes, *, timestamp: bool = True) -> bytes:
    use_key(settings, tmp_path, pki.signer_pkcs12(label))
    settings.SIGNING_TSA_URL = pki.tsa_url if timestamp else ""
    settings.SIGNING_EXTRA_TRUST_ROOTS = []
    return signing.sign_pdf(data)


def ocsp_responses(pki, label: str):
    """The responder's current answer about certificate `label`, fetched as a relying party would."""
    context = ValidationContext(trust_roots=[pki.root_asn1], allow_fetching=True, revocation_mode="soft-fail")
    validator = CertificateValidator(pki.arch.get_cert(CertLabel(label)), validation_context=context)
    with contextlib.suppress(RevokedError):  # a revoked certificate does not validate; its response is fetched
        asyncio.run(validator.async_validate_usage({"digital_signature"}))
    assert context.ocsps
    return list(context.ocsps)


def b_t_with_embedded(settings, tmp_path, pki, label: str, data: bytes, ocsps) -> bytes:
    """A B-T signature by `label` (nothing fetched when signing), then a document security store holding `ocsps`
    appended, as a later long-term update would."""
    use_key(settings, tmp_path, pki.signer_pkcs12(label))
    settings.SIGNING_TSA_URL, settings.SIGNING_EXTRA_TRUST_ROOTS = pki.tsa_url, []
    out = io.BytesIO(sign_without_revocation_data(data))
    DocumentSecurityStore.add_dss(out, None, ocsps=ocsps, strict=False)
    return out.getvalue()


def test_a_b_lt_file_is_checked_from_its_embedded_ocsp_response(settings, tmp_path, loopback, plain_pdf):
    signed = sign_as(settings, tmp_path, loopback, "signer-ocsp", plain_pdf)
    loopback.seen.clear()

    result = verify_pdf(signed)

    assert result.trusted and result.unchanged
    assert result.revocation == REVOCATION_GOOD
    assert loopback.seen == []  # from the file alone


def test_a_b_lt_file_is_checked_from_its_embedded_crl(settings, tmp_path, loopback, plain_pdf):
    signed = sign_as(settings, tmp_path, loopback, "signer-crl", plain_pdf)
    loopback.seen.clear()

    assert verify_pdf(signed).revocation == REVOCATION_GOOD
    assert loopback.seen == []


@pytest.mark.parametrize("timestamp", [True, False], ids=["b-t", "b-b"])
def test_a_file_without_revocation_data_says_it_was_not_checked(settings, tmp_path, loopback, plain_pdf, timestamp):
    signed = sign_as(settings, tmp_path, loopback, "signer-plain", plain_pdf, timestamp=timestamp)
    loopback.seen.clear()

    result = verify_pdf(signed)

    assert result.trusted and result.revocation == REVOCATION_NOT_EMBEDDED
    assert loopback.seen == []


def test_embedded_data_saying_revoked_is_reported(settings, tmp_path, loopback, plain_pdf):
    answer = ocsp_responses(loopback, "signer-revoked")  # fetched before signing: it covers the signing time
    signed = b_t_with_embedded(settings, tmp_path, loopback, "signer-revoked", plain_pdf, answer)
    loopback.seen.clear()

    result = verify_pdf(signed)

    assert result.revocation == REVOCATION_REVOKED
    assert result.unchanged  # the appended store is validation data, not a change
    assert loopback.seen == []


def test_embedded_data_about_another_certificate_is_not_enough(settings, tmp_path, loopback, plain_pdf):
    about_another = ocsp_responses(loopback, "signer-revoked")
    signed = b_t_with_embedded(settings, tmp_path, loopback, "signer-ocsp", plain_pdf, about_another)
    loopback.seen.clear()

    result = verify_pdf(signed)

    assert result.trusted and result.revocation == REVOCATION_INCOMPLETE
    assert loopback.seen == []


def test_a_signature_not_ours_gets_no_revocation_verdict(settings, tmp_path, loopback, plain_pdf, body_key):
    signed = sign_as(settings, tmp_path, loopback, "signer-ocsp", plain_pdf)
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(body_key), "secret"  # another body's key

    result = verify_pdf(signed)

    assert not result.trusted and result.revocation == ""


@pytest.mark.django_db
class TestTheVerificationPage:
    def issue(self, decision_maker, pdf: bytes) -> Certificate:
        certificate = services.grant_certification(application=ready_for_decision(), by=decision_maker)
        Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256=hashlib.sha256(pdf).hexdigest())
        certificate.refresh_from_db()
        return certificate

    def check(self, client, certificate, pdf: bytes, language: str) -> str:
        url = reverse("certificates:compare", args=[certificate.verification_token])
        upload = SimpleUploadedFile("certificate.pdf", pdf, "application/pdf")
        response = client.post(url, {"pdf": upload}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response.content.decode()

    def test_a_b_lt_certificate_says_revocation_was_checked_from_the_file(
        self, client, settings, tmp_path, loopback, plain_pdf, decision_maker
    ):
        signed = sign_as(settings, tmp_path, loopback, "signer-ocsp", plain_pdf)
        certificate = self.issue(decision_maker, signed)

        en = self.check(client, certificate, signed, "en")
        assert "Checked from the revocation data embedded in the file: good (not revoked when it was signed)." in en
        zh = self.check(client, certificate, signed, "zh-hans")
        assert "已根据文件内嵌的吊销信息核验：正常（签名时未被吊销）。" in zh

    def test_a_b_t_certificate_says_revocation_was_not_checked(
        self, client, settings, tmp_path, loopback, plain_pdf, decision_maker
    ):
        signed = sign_as(settings, tmp_path, loopback, "signer-plain", plain_pdf)
        certificate = self.issue(decision_maker, signed)

        en = self.check(client, certificate, signed, "en")
        assert "Not checked: the file carries no revocation data of its own." in en
        assert "Checked from the revocation data" not in en
        zh = self.check(client, certificate, signed, "zh-hans")
        assert "未核验：文件本身未包含吊销信息。" in zh


def test_embedded_data_that_does_not_parse_is_not_enough(settings, tmp_path, loopback, plain_pdf):
    use_key(settings, tmp_path, loopback.signer_pkcs12("signer-ocsp"))
    settings.SIGNING_TSA_URL, settings.SIGNING_EXTRA_TRUST_ROOTS = loopback.tsa_url, []
    writer = IncrementalPdfFileWriter(io.BytesIO(sign_without_revocation_data(plain_pdf)), strict=False)
    garbage = writer.add_object(generic.StreamObject(stream_data=b"not an OCSP response"))
    writer.root["/DSS"] = generic.DictionaryObject({generic.NameObject("/OCSPs"): generic.ArrayObject([garbage])})
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    result = verify_pdf(out.getvalue())

    assert result.trusted and result.revocation == REVOCATION_INCOMPLETE
