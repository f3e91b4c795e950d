"""Files the portal keeps (material versions, corrective-action evidence, audit photos): the fields every kept
file has, and the one way its SHA-256 is computed. Files are read in chunks, never in one piece."""

import hashlib
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import trail
from certportal.workflow import alters_data

CHUNK_SIZE = 1024 * 1024


def sha256_of(fileobj: "IO[bytes] | File[bytes]") -> str:
    """The SHA-256 of the whole content of a file object, read in chunks; the file is left rewound."""
    digest = hashlib.sha256()
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK_SIZE):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


class StoredFile(models.Model):
    """An uploaded file kept in storage with what the record shows of it. Never deleted or overwritten."""

    file = models.FileField(_("file"), max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, help_text=_("Of the file as it was uploaded."))
    stored_sha256 = models.CharField(
        _("SHA-256 of the stored file"),
        max_length=64,
        blank=True,
        help_text=_("A PDF is stored rewritten without its active content; empty for files kept before."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @alters_data
    def keep(self, content: "File[bytes]", key: str) -> None:
        """Store `content` (a file object) under `key` and save the record with its size and SHA-256. `sha256`,
        when set before, is the hash of the file as uploaded; otherwise `content` is what was uploaded."""
        self.size = content.size
        self.stored_sha256 = sha256_of(content)
        self.sha256 = self.sha256 or self.stored_sha256
        self.file.save(key, content, save=False)
        self.save()
        trail.append(
            "file",
            self,
            {"name": self.original_name, "size": self.size, "sha256": self.sha256, "stored_sha256": self.stored_sha256},
            self.uploaded_by,
        )
