"""The daily checkpoint: the record's head signed with the body's key and published at /trail/checkpoints/."""

from django.db import transaction
from django.utils import timezone

from .models import TrailCheckpoint, TrailHead


def sign_head() -> TrailCheckpoint:
    """Sign today's head (its number, hash and the date); a second run on the same day keeps the first."""
    from certportal.signing import sign_detached

    today = timezone.localdate()
    with transaction.atomic():
        existing = TrailCheckpoint.objects.filter(date=today).first()
        if existing is not None:
            return existing
        head, _ = TrailHead.objects.get_or_create(pk=1)
        checkpoint = TrailCheckpoint(date=today, seq=head.seq, hash=head.hash)
        checkpoint.signature = sign_detached(checkpoint.signed_content())
        checkpoint.save()
        return checkpoint
