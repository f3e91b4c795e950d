"""The certificate PDF: bilingual, A4 landscape, with a QR code to the public verification page."""

import base64
import functools

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation

from audits.report import GRADE_EN, GRADE_ZH
from certportal.pdf import render_pdf

from .models import Certificate

GRADE_STARS = {"compliant": 0, "three_star": 3, "four_star": 4, "five_star": 5}


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[certificate.verification_token])


@functools.cache
def _data_uri(static_path: str, mime: str) -> str:
    path = finders.find(static_path)
    assert isinstance(path, str), static_path  # one of the project's static files
    with open(path, "rb") as f:
        return f"data:{mime};base64," + base64.b64encode(f.read()).decode()


def certificate_context(certificate: Certificate) -> dict:
    url = verification_url(certificate)
    categories = list(certificate.application.categories.all())
    return {
        "certificate": certificate,
        "categories_zh": "、".join(c.name_zh for c in categories),
        "categories_en": "; ".join(c.name_en for c in categories),
        "grade_zh": GRADE_ZH[certificate.grade],
        "grade_en": GRADE_EN[certificate.grade],
        "stars": range(GRADE_STARS[certificate.grade]),
        "qr_data_uri": segno.make(url, error="m").svg_data_uri(scale=4, border=0, dark="#0b2545"),
        "verification_url": url,
        "logo_data_uri": _data_uri("img/logo.svg", "image/svg+xml"),
        "is_specimen": certificate.is_specimen,
        **certification_body(),
    }


def certification_body() -> dict:
    """Who issues and signs the certificates (ISO/IEC 17065 §7.7): on the PDF and the verification page."""
    return {
        "body_name": settings.CERTIFICATION_BODY_NAME,
        "body_name_en": settings.CERTIFICATION_BODY_NAME_EN,
        "body_address": settings.CERTIFICATION_BODY_ADDRESS,
        "body_address_en": settings.CERTIFICATION_BODY_ADDRESS_EN,
        "signatory_name": settings.CERTIFICATE_SIGNATORY_NAME,
        "signatory_title": settings.CERTIFICATE_SIGNATORY_TITLE,
        "signatory_title_en": settings.CERTIFICATE_SIGNATORY_TITLE_EN,
    }


CERTIFICATE_CSS = "css/certificate-pdf.css"


def render_certificate(certificate: Certificate, *, fetcher=None) -> bytes:
    with translation.override("zh-hans"):  # the layout is bilingual; dates and numbers in Chinese style
        return render_pdf(
            "certificates/certificate_pdf.html",
            certificate_context(certificate),
            fetcher=fetcher,
            stylesheet=CERTIFICATE_CSS,
        )
