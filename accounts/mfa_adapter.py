"""TOTP secrets and recovery-code seeds encrypted at rest (allauth.mfa's `encrypt`/`decrypt` hooks), with Fernet.

The keys come from MFA_ENCRYPTION_KEYS, newest first: the newest encrypts, every key decrypts, so a new key is
put in front, `manage.py rotate_mfa_key` re-encrypts every authenticator, and the old key is then removed.
Without that setting (development) one key is derived from SECRET_KEY; `check --deploy` refuses that.
A stored value without the "fernet:" prefix was written before encryption (a base32 TOTP secret or a hex seed
never contains ":"): it is read as it is until `rotate_mfa_key` encrypts it.
"""

import base64
import hashlib

from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .adapter import MFAAdapter as BaseMFAAdapter

PREFIX = "fernet:"


def derived_key(secret_key: str) -> str:
    """A development key: a hash of SECRET_KEY (changing SECRET_KEY then makes every authenticator unreadable)."""
    digest = hashlib.sha256(f"certportal.mfa-encryption:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def encryption_keys() -> list[str]:
    return list(settings.MFA_ENCRYPTION_KEYS) or [derived_key(settings.SECRET_KEY)]


def multi_fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in encryption_keys()])
    except ValueError as error:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes; "
            'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
        ) from error


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(text: str) -> str:
    return PREFIX + multi_fernet().encrypt(text.encode()).decode()


def decrypt(value: str) -> str:
    if not is_encrypted(value):
        return value  # stored before encryption (see the module's docstring)
    try:
        return multi_fernet().decrypt(value.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A second-factor secret cannot be decrypted with any key in MFA_ENCRYPTION_KEYS: the key it was "
            "encrypted with is missing (keep the old key after the new one until `manage.py rotate_mfa_key` has run)."
        ) from error


def reencrypt(value: str) -> str:
    """`value` encrypted with the newest key, whether it was clear or encrypted with any known key."""
    return encrypt(decrypt(value))


def reencrypt_authenticator(authenticator: Authenticator) -> bool:
    """Re-encrypt the secrets in one authenticator's data with the newest key; False when it holds none."""
    data = authenticator.data
    changed = False
    for field in ("secret", "seed"):  # TOTP secret, recovery-code seed
        if isinstance(data.get(field), str):
            data[field] = reencrypt(data[field])
            changed = True
    if isinstance(data.get("migrated_codes"), list):  # recovery codes imported from another library
        data["migrated_codes"] = [reencrypt(code) for code in data["migrated_codes"]]
        changed = True
    return changed


class MFAAdapter(BaseMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
