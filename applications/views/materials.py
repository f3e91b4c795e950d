"""The materials checklist: uploads (with or without JavaScript) and permission-checked downloads."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from certportal.downloads import attachment_response
from certportal.workflow import TransitionError

from .. import permissions
from ..forms import MaterialUploadForm
from ..models import Application, MaterialFile, MaterialItem, MaterialType
from . import get_application, load_membership


@login_required
def materials(request, pk):
    application = get_application(request, pk)
    items = list(application.material_items.select_related("material_type").prefetch_related("files__uploaded_by"))
    for item in items:
        # for the template, beside the item's own fields
        item.can_upload = permissions.can_upload_material(request.user, item)  # type: ignore[attr-defined]
        item.upload_form = MaterialUploadForm(item=item, auto_id=f"item{item.pk}_%s")  # type: ignore[attr-defined]
    required = [item for item in items if item.material_type.required]
    context = {
        "application": application,
        "items": items,
        "required_total": len(required),
        "required_done": sum(1 for item in required if item.status in (item.Status.UPLOADED, item.Status.ACCEPTED)),
        "can_edit": application.is_editable,
        "max_files": settings.MAX_FILES_PER_UPLOAD,
        "max_size": filesizeformat(settings.MAX_UPLOAD_SIZE),
        "max_size_bytes": settings.MAX_UPLOAD_SIZE,
    }
    return render(request, "applications/materials.html", context)


@login_required
@require_POST
def upload_material(request, pk):
    """Keep one or more new versions of a checklist item. JavaScript callers get JSON, others a redirect."""
    load_membership(request)
    visible = Application.objects.visible_to(request.user)
    item = get_object_or_404(
        MaterialItem.objects.select_related("application__organization", "material_type"),
        pk=pk,
        application__in=visible,
    )
    back = reverse("applications:materials", args=[item.application_id]) + f"#item-{item.pk}"
    if not permissions.can_upload_material(request.user, item):
        return _upload_refused(request, [_("Files cannot be added to this item now.")], back, status=409)
    form = MaterialUploadForm(request.POST, request.FILES, item=item)
    if not form.is_valid():
        return _upload_refused(request, form.errors.get("files", []) + form.non_field_errors(), back, status=400)
    try:
        saved = form.save(by=request.user)
    except TransitionError as error:
        return _upload_refused(request, [error.message], back, status=409)
    message = ngettext("%(count)d file uploaded.", "%(count)d files uploaded.", len(saved)) % {"count": len(saved)}
    messages.success(request, message)
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "redirect": back})
    return redirect(back)


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _upload_refused(request, errors, back, *, status):
    errors = [str(e) for e in errors]
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": errors}, status=status)
    for error in errors:
        messages.error(request, error)
    return redirect(back)


@login_required
def download_material_file(request, pk):
    """Every download of a material goes through here: permission check, then an attachment response."""
    load_membership(request)
    material_file = get_object_or_404(MaterialFile.objects.select_related("item__application__organization"), pk=pk)
    if not permissions.can_download_material_file(request.user, material_file):
        raise Http404  # another organization's file does not exist for this user
    return attachment_response(material_file.file, material_file.original_name, material_file.content_type)


@login_required
def download_template(request, pk):
    """A material type's blank template (not secret, but still served as an attachment)."""
    material_type = get_object_or_404(MaterialType, pk=pk, is_active=True)
    if not material_type.template:
        raise Http404
    return attachment_response(material_type.template, material_type.template.name.rsplit("/", 1)[-1])
