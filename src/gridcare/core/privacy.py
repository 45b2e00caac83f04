"""Privacy helpers: masking for display (domain-facts §8.2) and field encryption at rest.

Masking is the default everywhere personal data leaves the system (UI, API, logs, exports);
revealing a value is a permission (`core.reveal_pii`) plus an audit-log entry.
Encryption uses Fernet (AES-128-CBC + HMAC) from `cryptography`; `FIELD_ENCRYPTION_KEYS`
lists keys newest first, so adding a key in front and running `gridcare rotate_keys`
re-encrypts every value while old ciphertexts stay readable meanwhile.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def mask_mobile(mobile: str | None) -> str:
    """Keep the first 3 and the last 4 digits.

    >>> mask_mobile("13812341234")
    '138****1234'
    """
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"


def mask_id_number(id_number: str | None) -> str:
    """Keep the first 4 and the last 4 characters.

    >>> mask_id_number("440106199001011234")
    '4401**********1234'
    """
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return f"{id_number[:4]}{'*' * (len(id_number) - 8)}{id_number[-4:]}"


def mask_name(name: str | None) -> str:
    """Keep the first and (for 3+ characters) the last character.

    >>> [mask_name(n) for n in ("张三丰", "李四", "欧阳小明")]
    ['张*丰', '李*', '欧**明']
    """
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def mask_address_detail(detail: str | None) -> str:
    """Hide house and room numbers: every digit of the detail line becomes *."""
    if not detail:
        return ""
    return "".join("*" if ch.isdigit() else ch for ch in detail)


# --- Field encryption ---


def _derived_key(purpose: str) -> bytes:
    digest = hashlib.sha256(f"gridcare:{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "GRIDCARE_FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes)"
        ) from exc


def field_cipher() -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS) or (_derived_key("field-encryption").decode(),)
    return _fernet_for(keys)


def encrypt_value(plaintext: str) -> str:
    return field_cipher().encrypt(plaintext.encode()).decode()


def decrypt_value(ciphertext: str) -> str:
    try:
        return field_cipher().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "a stored value cannot be decrypted with GRIDCARE_FIELD_ENCRYPTION_KEYS; "
            "keep the old key in the list until `gridcare rotate_keys` has run"
        ) from exc


def rotate_value(ciphertext: str) -> str:
    """Re-encrypt a stored value with the newest key."""
    try:
        return field_cipher().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "a stored value cannot be decrypted with GRIDCARE_FIELD_ENCRYPTION_KEYS"
        ) from exc


def blind_index(value: str) -> str:
    """A keyed digest for exact-match lookup and uniqueness of an encrypted value.

    The key is `GRIDCARE_BLIND_INDEX_KEY`; changing it means recomputing every index, so
    production sets it explicitly instead of deriving it from the secret key.
    """
    key = (
        settings.BLIND_INDEX_KEY.encode()
        if settings.BLIND_INDEX_KEY
        else _derived_key("blind-index")
    )
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token; Python code sees the plaintext."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_value(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_value(str(value))
