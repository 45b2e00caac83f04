"""Typed parsing of form fields and query parameters for portal and console views.

A view never calls `int()`, `date.fromisoformat()` or `Decimal()` on request data: a value
a person or a crawler typed (`?day=0001-01-01`, `to=abc`, a 40-digit page number) must end
in a 400 with a dotted code and a Chinese message, not a server error. Each parser returns
the typed value, the default when the parameter is absent or empty, or raises
`BadParameter` (a `DomainError`, status 400). `core.middleware.DomainErrorPages` renders an
uncaught one as the error page; views that show the form again catch it themselves.

Bounds are part of the type: dates lie in `EARLIEST_DATE`…`LATEST_DATE` (so `day ± 35
days` can never leave Python's date range) and integers in a signed 63-bit column, so no
database lookup overflows either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from gridcare.core.errors import DomainError

#: Data before 2000 predates every system GridCare replaces; after 2100 is a typo.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
#: The largest value a PostgreSQL bigint (and SQLite integer) column holds.
MAX_INT = 2**63 - 1
#: A number longer than this is not a number anyone meant (and int() of a huge digit
#: string is slow: Python refuses more than 4,300 digits by default).
_MAX_DIGITS = 19

T = TypeVar("T", bound=str)


class BadParameter(DomainError):
    """A form field or query parameter that cannot be read as its type."""

    status = 400


def _raw(value: str | None) -> str:
    return (value or "").strip()


def parse_int(
    value: str | None,
    *,
    field: str,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = MAX_INT,
) -> int | None:
    """A whole number in `minimum`…`maximum` (ASCII digits, optional minus sign).

    >>> parse_int("42", field="to")
    42
    >>> parse_int("", field="to", default=7)
    7
    >>> parse_int("abc", field="to")
    Traceback (most recent call last):
    gridcare.core.params.BadParameter: 参数 to 应为整数
    """
    raw = _raw(value)
    if not raw:
        return default
    digits = raw.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > _MAX_DIGITS:
        raise BadParameter("request.param.not_an_integer", f"参数 {field} 应为整数", field=field)
    number = int(raw)
    if not minimum <= number <= maximum:
        raise BadParameter(
            "request.param.out_of_range",
            f"参数 {field} 应在 {minimum} 到 {maximum} 之间",
            field=field,
        )
    return number


def parse_date(
    value: str | None,
    *,
    field: str,
    default: dt.date | None = None,
    earliest: dt.date = EARLIEST_DATE,
    latest: dt.date = LATEST_DATE,
) -> dt.date | None:
    """A calendar date written YYYY-MM-DD, in `earliest`…`latest`.

    >>> parse_date("2026-11-21", field="day")
    datetime.date(2026, 11, 21)
    >>> parse_date("0001-01-01", field="day")
    Traceback (most recent call last):
    gridcare.core.params.BadParameter: 参数 day 应在 2000-01-01 到 2100-12-31 之间
    """
    raw = _raw(value)
    if not raw:
        return default
    try:
        # Only the basic form: fromisoformat also reads "20261121" and week dates.
        if len(raw) != 10 or not raw.isascii():
            raise ValueError(raw)
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(
            "request.param.not_a_date", f"参数 {field} 应为日期（YYYY-MM-DD）", field=field
        ) from None
    if not earliest <= day <= latest:
        raise BadParameter(
            "request.param.out_of_range",
            f"参数 {field} 应在 {earliest.isoformat()} 到 {latest.isoformat()} 之间",
            field=field,
        )
    return day


def parse_decimal(value: str | None, *, field: str, max_length: int = 14) -> Decimal | None:
    """A finite decimal number (`12.5`, `-3`), None when absent; `abc`, `NaN`, `Infinity`
    or an essay of digits is a 400 `request.param.not_a_number`."""
    raw = parse_text(value, field=field, max_length=max_length)
    if not raw:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise BadParameter("request.param.not_a_number", f"参数 {field} 应为数字", field=field)
    return number


def parse_text(value: str | None, *, field: str, max_length: int) -> str:
    """Free text such as a search query, stripped, at most `max_length` characters (NUL
    characters never get this far: `core.middleware.RejectNulCharacters`).

    >>> parse_text("  张  ", field="q", max_length=100)
    '张'
    """
    raw = _raw(value)
    if len(raw) > max_length:
        raise BadParameter(
            "request.param.too_long", f"参数 {field} 最多 {max_length} 个字符", field=field
        )
    return raw


def parse_choice(value: str | None, *, field: str, choices: Iterable[T], default: T) -> T:
    """One of `choices` (e.g. a `TextChoices` class or a tuple of strings), else a 400.

    >>> parse_choice("online", field="show", choices=("", "online"), default="")
    'online'
    """
    raw = _raw(value)
    if not raw:
        return default
    for choice in choices:
        if raw == choice:
            return choice
    raise BadParameter("request.param.unknown_choice", f"参数 {field} 的取值不受支持", field=field)
