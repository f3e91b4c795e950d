"""Re-encrypt every second-factor secret with the newest key of MFA_ENCRYPTION_KEYS (and encrypt clear ones)."""

from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import mfa_adapter


class Command(BaseCommand):
    help = (
        "Re-encrypt every authenticator's TOTP secret and recovery-code seed with the newest key of "
        "MFA_ENCRYPTION_KEYS, encrypting those still stored in clear. Run it after putting a new key first; "
        "remove the old key only afterwards."
    )

    def handle(self, *args, **options):
        count = 0
        # All or nothing: one secret no key can decrypt leaves every authenticator as it was.
        try:
            with transaction.atomic():
                for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
                    if mfa_adapter.reencrypt_authenticator(authenticator):
                        authenticator.save(update_fields=["data"])
                        count += 1
        except ImproperlyConfigured as error:
            raise CommandError(f"Nothing was changed. {error}") from error
        self.stdout.write(f"{count} authenticator(s) re-encrypted with the newest key.")
