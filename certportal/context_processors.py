from django.conf import settings

from .contact import certification_body


def site(request):
    return {
        "BODY_NAME": settings.CERTIFICATION_BODY_NAME,
        "BODY_NAME_EN": settings.CERTIFICATION_BODY_NAME_EN,
        "BODY": certification_body(),  # name and contact details in the request's language
    }
