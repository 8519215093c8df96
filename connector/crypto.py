"""Encryption of secrets at rest and keyed hashes for looking secrets up.

Owns: the MultiFernet built from ``FIELD_ENCRYPTION_KEYS`` (newest key first), encrypt/decrypt,
key-rotation helpers and keyed hashes. Must not touch the database or log any plaintext.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


class EncryptionKeyError(RuntimeError):
    """A stored secret cannot be decrypted with the configured keys."""


def parse_keys(raw: str | list[str] | tuple[str, ...]) -> list[str]:
    """Return the keys of a comma-separated list, newest first; raise on any malformed key."""
    if isinstance(raw, str):
        keys = [part.strip() for part in raw.split(",") if part.strip()]
    else:
        keys = [str(part).strip() for part in raw if str(part).strip()]
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty. Generate one with: "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS key #{position} is not a valid Fernet key (32 url-safe base64-encoded bytes)."
            ) from error
    return keys


@functools.cache
def _multifernet() -> MultiFernet:
    keys = parse_keys(settings.FIELD_ENCRYPTION_KEYS)
    return MultiFernet([Fernet(key.encode()) for key in keys])


@functools.cache
def _primary_fernet() -> Fernet:
    keys = parse_keys(settings.FIELD_ENCRYPTION_KEYS)
    return Fernet(keys[0].encode())


@receiver(setting_changed)
def _reset_keys(*, setting: str, **kwargs: object) -> None:
    if setting in ("FIELD_ENCRYPTION_KEYS", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _multifernet.cache_clear()
        _primary_fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    """Encrypt ``plaintext`` with the newest key; the result is ASCII."""
    return _multifernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a value produced by :func:`encrypt` with any configured key.

    Raises EncryptionKeyError (never returns garbage) when no key fits.
    """
    try:
        return _multifernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise EncryptionKeyError(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS: the key that encrypted it "
            "is missing or the value is not ciphertext. Restore the old key (keep it after the new "
            "one) and run `manage.py rotate_encryption_keys`."
        ) from error


def is_encrypted_with_newest_key(token: str) -> bool:
    """Tell whether ``token`` already decrypts with the newest key."""
    try:
        _primary_fernet().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def keyed_hashes(value: str, *, purpose: str) -> list[str]:
    """Return the hex HMAC-SHA256 of ``value`` under SECRET_KEY then each fallback key.

    The first entry is what to store; look-ups accept any of them so SECRET_KEY can rotate.
    """
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    hashes = []
    for secret in secrets:
        key = hashlib.sha256(f"connector.keyed-hash:{purpose}:{secret}".encode()).digest()
        hashes.append(hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest())
    return hashes
