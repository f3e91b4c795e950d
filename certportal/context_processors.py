from django.conf import settings


def site(request):
    return {
        "BODY_NAME": settings.CERTIFICATION_BODY_NAME,
        "BODY_NAME_EN": settings.CERTIFICATION_BODY_NAME_EN,
    }
