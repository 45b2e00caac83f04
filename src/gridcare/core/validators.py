"""Validators for identifiers that arrive from every channel (mobile, ID number, 户号).

Each returns the normalised value or raises `DomainError` naming the field in Chinese.
"""

from __future__ import annotations

import re

from gridcare.core.errors import DomainError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ACCOUNT_NUMBER_RE = re.compile(r"^\d{13}$")
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalize_mobile(value: str, *, field: str = "mobile") -> str:
    """An 11-digit mainland mobile number (1[3-9]xxxxxxxxx); spaces and +86 are dropped.

    >>> normalize_mobile("+86 138-1234-1234")
    '13812341234'
    """
    cleaned = re.sub(r"[\s-]", "", value or "")
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    if not MOBILE_RE.match(cleaned):
        raise DomainError("core.mobile.invalid", "手机号格式不正确，应为 11 位数字", field=field)
    return cleaned


def id_number_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number.

    >>> id_number_check_digit("11010519491231002")
    'X'
    """
    total = sum(int(ch) * weight for ch, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str, *, field: str = "id_number") -> str:
    """An 18-character resident ID number (GB 11643) with a valid check character."""
    cleaned = (value or "").strip().upper()
    if not ID_NUMBER_RE.match(cleaned) or id_number_check_digit(cleaned[:17]) != cleaned[17]:
        raise DomainError(
            "core.id_number.invalid", "身份证号码不正确（应为 18 位且校验位正确）", field=field
        )
    return cleaned


def normalize_account_number(value: str, *, field: str = "account_number") -> str:
    """户号: exactly 13 digits."""
    cleaned = (value or "").strip()
    if not ACCOUNT_NUMBER_RE.match(cleaned):
        raise DomainError("customers.account.number_invalid", "户号应为 13 位数字", field=field)
    return cleaned
