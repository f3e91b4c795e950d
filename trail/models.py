from typing import Any

import pgtrigger
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import chain

# On PostgreSQL the database itself refuses to change or delete a written entry or checkpoint.
APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class TrailHead(models.Model):
    """The one row every append locks: the last entry's number and hash, so appends chain one after the other."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=chain.GENESIS)

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash}"


class TrailEntry(models.Model):
    """One act in the certification record; its hash covers the previous entry's hash and its own content."""

    seq = models.PositiveBigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=60)
    subject_type = models.CharField(_("subject type"), max_length=100)
    subject_id = models.CharField(_("subject id"), max_length=64)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    payload = models.JSONField(_("content"), default=dict)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("record entry")
        verbose_name_plural = _("record entries")
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="trail_subject")]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.subject_type}:{self.subject_id}"

    def content(self) -> dict[str, Any]:
        return chain.content(
            seq=self.seq,
            at=self.at,
            kind=self.kind,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            actor_id=self.actor_id,
            payload=self.payload,
        )

    def computed_hash(self) -> str:
        return chain.entry_hash(self.prev_hash, self.content())


class TrailCheckpoint(models.Model):
    """The record's head on one day, signed with the body's key and published."""

    date = models.DateField(_("date"), unique=True)
    seq = models.PositiveBigIntegerField(_("number of the last entry"))
    hash = models.CharField(_("hash of the last entry"), max_length=64)
    signature = models.BinaryField(_("signature (CMS, DER)"))
    created_at = models.DateTimeField(_("signed"), default=timezone.now)

    class Meta:
        verbose_name = _("record checkpoint")
        verbose_name_plural = _("record checkpoints")
        ordering = ["-date"]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.date} #{self.seq}"

    def signed_content(self) -> bytes:
        """The bytes the signature covers: the canonical JSON of date, seq and hash."""
        return chain.canonical({"date": self.date.isoformat(), "seq": self.seq, "hash": self.hash})
