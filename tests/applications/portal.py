"""Helpers shared by the applicant-portal tests."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, MaterialItem
from tests.factories import ApplicationFactory

from . import samples


def draft_of(user, **kwargs) -> Application:
    """A complete draft of `user`'s organization, every checklist item still without files."""
    return ApplicationFactory(organization=user.membership.organization, created_by=user, **kwargs)


def pdf_file(name: str = "licence.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.pdf() if data is None else data, content_type="application/pdf")


def item_of(application: Application, code: str = "business_licence") -> MaterialItem:
    return application.material_items.get(material_type__code=code)


def upload(client, item: MaterialItem, *files, **headers):
    return client.post(reverse("applications:upload_material", args=[item.pk]), {"files": list(files)}, **headers)


def upload_all_required(client, application: Application) -> None:
    for item in application.material_items.filter(material_type__required=True):
        response = upload(client, item, pdf_file(f"{item.material_type.code}.pdf"))
        assert response.status_code == 302, response


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]
