"""The certification body's name and contact details, in the active language (settings CERTIFICATION_BODY_*).

One place for every e-mail's footer and the pages' contact snippet (templates/includes/contact.html)."""

from django.conf import settings
from django.utils import translation


def certification_body() -> dict:
    english = translation.get_language() == "en"
    return {
        "name": settings.CERTIFICATION_BODY_NAME_EN if english else settings.CERTIFICATION_BODY_NAME,
        "address": settings.CERTIFICATION_BODY_ADDRESS_EN if english else settings.CERTIFICATION_BODY_ADDRESS,
        "phone": settings.CERTIFICATION_BODY_PHONE,
        "email": settings.CERTIFICATION_BODY_EMAIL,
        "website": settings.CERTIFICATION_BODY_WEBSITE,
    }
