"""Photos: upload from the phone's camera, the derivatives shown to the team, the original for staff only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from certportal.downloads import attachment_response
from certportal.workflow import TransitionError

from .. import permissions
from ..forms import PhotoForm
from ..models import AuditPhoto
from . import get_team_audit

VARIANTS = {"picture": "derivative", "thumb": "thumbnail"}


def photo_json(photo: AuditPhoto) -> dict:
    ready = photo.status == AuditPhoto.Status.READY
    return {
        "id": photo.pk,
        "status": photo.status,
        "status_label": str(photo.get_status_display()),
        "thumb": reverse("audits:photo", args=[photo.pk, "thumb"]) if ready else "",
        "picture": reverse("audits:photo", args=[photo.pk, "picture"]) if ready else "",
        "caption": photo.caption,
        "status_url": reverse("audits:photo_status", args=[photo.pk]),
    }


@login_required
@require_POST
def upload_photo(request, pk):
    """One photo for one item; JavaScript callers (with a progress bar) get JSON, others a redirect."""
    audit = get_team_audit(request, pk)
    form = PhotoForm(request.POST, request.FILES, audit=audit)
    back = reverse("audits:form", args=[audit.pk])
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _refused(request, errors, back, status=400)
    indicator = form.cleaned_data["indicator"]
    if indicator is not None:
        back += f"#item-{indicator.pk}"
    try:
        photo = AuditPhoto.take(
            audit=audit,
            checked=form.cleaned_data["photo"],
            by=request.user,
            indicator=indicator,
            caption=form.cleaned_data["caption"],
        )
    except TransitionError as error:
        return _refused(request, [error.message], back, status=409)
    photo.refresh_from_db()  # the derivatives may already be made (an eager task queue runs on commit)
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return JsonResponse({"ok": True, "photo": photo_json(photo)})
    return redirect(back)


def _refused(request, errors: list[str], back: str, *, status: int):
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return JsonResponse({"ok": False, "errors": errors}, status=status)
    for error in errors:
        messages.error(request, error)
    return redirect(back)


def _photo(request, pk) -> AuditPhoto:
    photo = get_object_or_404(AuditPhoto.objects.select_related("audit"), pk=pk)
    if not permissions.can_view_photo(request.user, photo):
        raise Http404  # another team's photo does not exist for this user
    return photo


@login_required
def photo(request, pk, variant):
    """The stripped derivative or its thumbnail, inline (it is our own re-encoded JPEG, never the upload)."""
    if variant not in VARIANTS:
        raise Http404
    photo = _photo(request, pk)
    stored = getattr(photo, VARIANTS[variant])
    if photo.status != AuditPhoto.Status.READY or not stored:
        raise Http404
    response = FileResponse(stored.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def photo_status(request, pk):
    """Polled by the form while the derivatives are being made."""
    return JsonResponse({"ok": True, "photo": photo_json(_photo(request, pk))})


@login_required
def photo_original(request, pk):
    """The original with its EXIF (GPS included): staff with the dedicated permission, as an attachment."""
    photo = get_object_or_404(AuditPhoto, pk=pk)
    if not permissions.can_download_original_photo(request.user, photo):
        raise Http404
    return attachment_response(photo.file, photo.original_name, photo.content_type)


@login_required
@require_POST
def photo_in_report(request, pk):
    """Choose whether a photo goes into the report PDF (while the audit is in progress)."""
    photo = _photo(request, pk)
    audit = get_team_audit(request, photo.audit_id)
    try:
        photo.set_in_report(request.POST.get("in_report") == "1")
    except TransitionError as error:
        return _refused(request, [error.message], reverse("audits:form", args=[audit.pk]), status=409)
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return JsonResponse({"ok": True, "in_report": photo.in_report})
    anchor = f"#item-{photo.indicator_id}" if photo.indicator_id else ""
    return redirect(reverse("audits:form", args=[audit.pk]) + anchor)
