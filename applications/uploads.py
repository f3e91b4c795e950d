"""Checking uploaded files by what they contain, never by their name: PDF, JPEG and PNG only.

Every check raises ValidationError with a translated message that names the file, so the applicant knows
which of several files was refused and why. Nothing is stored until every file of a request has passed.

A PDF is never stored as it came: it is rewritten without its active content (applications/pdfsafe.py), and
the rewritten bytes are what is stored and served. CheckedFile.sha256 is the SHA-256 of the file as the
applicant sent it, which the record keeps (the applicant can compare it with their own copy); the stored
file's own SHA-256 is computed when it is stored (certportal.files.StoredFile.keep). Files are read in chunks,
never in one piece: a big upload waits in a temporary file (FILE_UPLOAD_MAX_MEMORY_SIZE), and so does its rewrite.
"""

import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

from certportal.files import sha256_of

from .pdfsafe import sanitise_pdf

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KINDS = {
    # kind: (content type, storage extension, Pillow format)
    "pdf": ("application/pdf", ".pdf", None),
    "jpeg": ("image/jpeg", ".jpg", "JPEG"),
    "png": ("image/png", ".png", "PNG"),
}
SUFFIXES = {"pdf": (".pdf",), "jpeg": (".jpg", ".jpeg", ".jpe"), "png": (".png",)}
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class CheckedFile:
    file: object  # what to store, rewound: the UploadedFile itself, or a PDF rewritten into a temporary file
    name: str  # the original name, for display only
    content_type: str
    extension: str
    size: int  # of what is stored
    sha256: str  # of the file as it was uploaded


def display_name(name: str) -> str:
    """A file name safe to show: no control or direction-changing characters, no path separators."""
    cleaned = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    return cleaned.replace("/", "_").replace("\\", "_")[:MAX_NAME_LENGTH] or "?"


def check_name(name: str) -> str:
    shown = display_name(name)
    if not name.strip() or name.strip() in (".", ".."):
        raise ValidationError(_("A file has no usable name."), code="name")
    if "/" in name or "\\" in name:
        raise ValidationError(
            _("The file name “%(name)s” contains a path; please rename the file.") % {"name": shown}, code="name"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        raise ValidationError(
            _("The file name “%(name)s” contains invisible control characters; please rename the file.")
            % {"name": shown},
            code="name",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(_("The file name “%(name)s…” is too long.") % {"name": shown[:40]}, code="name")
    return name


def check_size(uploaded) -> None:
    name = display_name(uploaded.name or "")
    if not uploaded.size:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name}, code="empty")
    if uploaded.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            _("The file “%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(uploaded.size), "limit": filesizeformat(settings.MAX_UPLOAD_SIZE)},
            code="too_large",
        )


def sniff(uploaded) -> str | None:
    """The file's real type from its first bytes, or None when it is none of ours."""
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(JPEG_MAGIC):
        return "jpeg"
    if head.startswith(PNG_MAGIC):
        return "png"
    return None


def check_upload(uploaded) -> CheckedFile:
    """Check one file completely; return what the storage layer needs."""
    name = check_name(uploaded.name or "")
    check_size(uploaded)
    kind = sniff(uploaded)
    if kind is None:
        raise ValidationError(
            _("The file “%(name)s” is not a PDF, JPEG or PNG file (its content was checked, not its name).")
            % {"name": display_name(name)},
            code="type",
        )
    sha256 = sha256_of(uploaded)
    stored = uploaded
    try:
        if kind == "pdf":
            stored = sanitise_pdf(uploaded)
        else:
            _check_image(uploaded, KINDS[kind][2])
    except ValidationError as error:
        raise ValidationError(
            _("The file “%(name)s” was refused: %(problem)s") % {"name": display_name(name), "problem": error.message},
            code=error.code,
        ) from None
    finally:
        uploaded.seek(0)
    content_type, extension, _format = KINDS[kind]
    if not name.lower().endswith(SUFFIXES[kind]):  # "scan.exe" holding a PDF is shown and saved as "scan.exe.pdf"
        name = name[: MAX_NAME_LENGTH - len(extension)] + extension
    return CheckedFile(stored, name, content_type, extension, stored.size, sha256)


def check_batch(files: list, *, stored_total: int) -> list[CheckedFile]:
    """Check every file of one request, the number of files and the application's total size."""
    if not files:
        raise ValidationError(_("Choose at least one file."), code="required")
    if len(files) > settings.MAX_FILES_PER_UPLOAD:
        raise ValidationError(
            _("You chose %(count)d files; at most %(limit)d can be uploaded at once.")
            % {"count": len(files), "limit": settings.MAX_FILES_PER_UPLOAD},
            code="too_many",
        )
    checked, errors = [], []
    for uploaded in files:
        try:
            checked.append(check_upload(uploaded))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    new_total = stored_total + sum(c.size for c in checked)
    if new_total > settings.MAX_APPLICATION_UPLOAD_TOTAL:
        raise ValidationError(
            _("All files of one application may add up to %(limit)s; these files would bring it to %(total)s.")
            % {"limit": filesizeformat(settings.MAX_APPLICATION_UPLOAD_TOTAL), "total": filesizeformat(new_total)},
            code="total",
        )
    return checked


# --- content checks --------------------------------------------------------------------------------


def _check_image(uploaded, pillow_format: str | None) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded, formats=["JPEG", "PNG"]) as image:
                if image.format != pillow_format:
                    raise ValidationError(_("its content does not match its image type."), code="type")
                width, height = image.size
                if width * height > settings.MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(width, height)
                image.verify()  # checks the structure (PNG checksums) without decoding every pixel
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except ValidationError:
        raise
    except Exception:  # Pillow raises many kinds of error on damaged input (OSError, SyntaxError, ValueError …)
        raise ValidationError(_("the image is damaged or cannot be read."), code="damaged") from None


def _too_many_pixels(width: int = 0, height: int = 0) -> ValidationError:
    limit = settings.MAX_IMAGE_PIXELS // 1_000_000
    if width and height:
        message = _("the image has %(width)d × %(height)d pixels; at most %(limit)d million are accepted.") % {
            "width": width,
            "height": height,
            "limit": limit,
        }
    else:
        message = _("the image has too many pixels; at most %(limit)d million are accepted.") % {"limit": limit}
    return ValidationError(message, code="pixels")
