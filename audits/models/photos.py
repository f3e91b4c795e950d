import uuid

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from certportal.files import StoredFile
from certportal.queue import enqueue_on_commit
from certportal.workflow import alters_data

from .audits import Audit
from .indicators import Indicator


class AuditPhoto(StoredFile):
    """A photo taken on site. The original (`file`, with its EXIF, GPS included, as evidence) stays in restricted
    storage; people only ever see the derivative and thumbnail a Celery task makes from it (targets.md §4.6)."""

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be processed")

    audit = models.ForeignKey(Audit, models.PROTECT, related_name="photos", verbose_name=_("audit"))
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("indicator")
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    in_report = models.BooleanField(_("show in the report"), default=True)
    key = models.UUIDField(_("storage key"), default=uuid.uuid4, unique=True, editable=False)
    derivative = models.FileField(_("picture"), max_length=200, blank=True)
    thumbnail = models.FileField(_("thumbnail"), max_length=200, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROCESSING)

    class Meta:
        verbose_name = _("audit photo")
        verbose_name_plural = _("audit photos")
        ordering = ["audit", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.caption or self.original_name

    def storage_key(self, variant: str, extension: str = ".jpg") -> str:
        """Deterministic names, so a retried task finds what an interrupted one stored."""
        folder = "audit-photos/originals" if variant == "original" else "audit-photos"
        suffix = "" if variant == "original" else f"-{variant}"
        return f"{folder}/{self.key.hex}{suffix}{extension}"

    @classmethod
    @transaction.atomic
    def take(cls, *, audit: Audit, checked, by, indicator=None, caption: str = "") -> "AuditPhoto":
        """Keep a checked upload (applications.uploads.CheckedFile) and have its derivatives made after commit."""
        audit.lock_for_editing()
        photo = cls(
            audit=audit,
            indicator=indicator,
            caption=caption[:200],
            original_name=checked.name[:255],
            content_type=checked.content_type,
            sha256=checked.sha256,
            uploaded_by=by,
        )
        photo.keep(checked.file, photo.storage_key("original", checked.extension))
        from ..tasks import make_photo_derivatives

        enqueue_on_commit(make_photo_derivatives, photo.pk)
        return photo

    @alters_data
    def record_derivatives(self, *, derivative: str, thumbnail: str, width: int, height: int) -> bool:
        """Attach the derivatives once; a second run of the task changes nothing."""
        locked = type(self).objects.select_for_update().get(pk=self.pk)
        if locked.status == self.Status.READY:
            return False
        self.derivative.name, self.thumbnail.name = derivative, thumbnail
        self.width, self.height, self.status = width, height, self.Status.READY
        self.save(update_fields=["derivative", "thumbnail", "width", "height", "status"])
        return True

    @alters_data
    @transaction.atomic
    def set_in_report(self, value: bool) -> None:
        self.audit.lock_for_editing()
        self.in_report = value
        self.save(update_fields=["in_report"])
