"""`manage.py create_dev_signing_key` (`make run` on first start): a development CA and signing certificate."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from certportal.signing import development_pkcs12


class Command(BaseCommand):
    help = (
        "Create a development signing key (a CA named 'certportal DEVELOPMENT CA — not for production' and a "
        "signing certificate '<body> (DEVELOPMENT)') as the PKCS#12 file SIGNING_PKCS12_PATH, unless it exists."
    )

    def handle(self, *args, **options):
        if settings.SIGNING_KEY_BACKEND != "certportal.signing.PKCS12Backend":
            self.stdout.write(f"Signing with {settings.SIGNING_KEY_BACKEND}: no key file to create")
            return
        path = Path(settings.SIGNING_PKCS12_PATH)
        if path.exists():
            self.stdout.write(f"Signing key present: {path}")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        data = development_pkcs12(settings.CERTIFICATION_BODY_NAME, settings.SIGNING_PKCS12_PASSWORD)
        path.touch(mode=0o600)
        path.write_bytes(data)
        self.stdout.write(f"Development signing key created: {path} (not for production)")
