"""Shapes of /api/v1/auth, and what every app's input schemas share: the constraints the
server enforces are stated in the OpenAPI document, so integrators generate clients that
send only what is accepted (issue 23 §4: the document was looser than the server).

- Every input object forbids unknown properties (`StrictIn`): a misspelt field is a 422,
  not silently ignored.
- Every string carries a pattern that excludes NUL (PostgreSQL cannot store it; the
  middleware refuses it anywhere in a request) and a `maxLength` no larger than its column.
- A required name or title has `NOT_BLANK`: at least one visible character.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from annotated_types import Ge, Le
from django.conf import settings
from ninja import Field, Path, Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from gridcare.core.choices import ApiTokenScope
from gridcare.core.models import API_TOKEN_NAME_MAX

#: Any text without a NUL character.
NO_NUL = r"^[^\x00]*$"
#: Python's str.strip() whitespace, C0/C1 controls included: none of it is "visible".
_BLANK = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: One line of text with at least one visible character and no control characters.
NOT_BLANK = rf"^[^\x00-\x1f\x7f]*[^{_BLANK}][^\x00-\x1f\x7f]*$"


def whole_number(value: Any) -> Any:
    """Pydantic reads "+1", " 1" and "1.0" as 1; the document says integer, so a query or
    path value must be digits, optionally signed with a minus. A zero fraction ("100.0")
    is accepted: JSON Schema counts 100.0 as an integer, and so do clients generated from
    the document (the schemathesis fuzz sends it)."""
    if isinstance(value, str) and not re.fullmatch(r"-?[0-9]+(\.0+)?", value):
        raise ValueError("not a whole number")
    return value


#: An integer query parameter written as digits only (`?page=1`, not `?page=1.0`).
QueryInt = Annotated[int, BeforeValidator(whole_number)]
#: A database id in a path (a positive bigint): `customer_id: IdPath`. The bounds come
#: before the validator, or pydantic writes them as `ge`/`le`, which are not JSON Schema.
IdPath = Path[Annotated[int, Ge(1), Le(2**63 - 1), BeforeValidator(whole_number)]]


#: Pydantic errors of a stated constraint (not of a wrong type).
_CONSTRAINT_ERRORS = {
    "string_pattern_mismatch",
    "string_too_short",
    "string_too_long",
    "greater_than_equal",
    "less_than_equal",
    "literal_error",
}


def coded(code: str, message: str, **by_error: tuple[str, str]) -> WrapValidator:
    """A field whose refusal keeps the dotted code published before the schema stated the
    constraint: `Annotated[str, Field(pattern=…), coded("core.mobile.invalid", "…")]`.
    `by_error` gives another (code, message) for one pydantic error type (`string_too_long`).
    The API answers these 400 `{code, message, field}` (`core.api_support`)."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            kind = exc.errors()[0]["type"]
            if kind not in _CONSTRAINT_ERRORS:
                raise  # a wrong type stays the generic 422
            error_code, error_message = by_error.get(kind, (code, message))
            raise PydanticCustomError(error_code, error_message) from None

    return WrapValidator(validate)


class StrictIn(Schema):
    """Base of every request body: unknown properties are refused (additionalProperties:
    false in the document)."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class ValidationErrorOut(ErrorOut):
    errors: list[dict[str, Any]] = []


#: The error responses every endpoint documents (each a code and a Chinese message).
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}
#: ... and an endpoint that changes state may also meet a concurrent change.
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


class LoginIn(StrictIn):
    username: str = Field(min_length=1, max_length=150, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=128, pattern=NO_NUL)


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    kind: str
    roles: list[str]
    org_unit: str | None


class TokenCreateIn(StrictIn):
    """A new bearer token: `scopes` default to read only; without `expires_in_days` it lives
    the longest allowed (`GRIDCARE_API_TOKEN_MAX_DAYS`, 365 days by default)."""

    name: Annotated[
        str,
        Field(min_length=1, max_length=API_TOKEN_NAME_MAX, pattern=NOT_BLANK),
        coded(
            "core.api_token.name_required",
            "令牌名称不能为空",
            string_too_long=("core.api_token.name_too_long", "令牌名称最多 100 个字符"),
        ),
    ]
    scopes: list[ApiTokenScope] = Field(
        default_factory=lambda: [ApiTokenScope.READ], min_length=1, max_length=3
    )
    expires_in_days: Annotated[
        int | None,
        Field(ge=1, le=settings.API_TOKEN_MAX_DAYS),
        coded("core.api_token.bad_expiry", f"有效期应为 1 到 {settings.API_TOKEN_MAX_DAYS} 天"),
    ] = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    user: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return str(obj.user.username) if hasattr(obj, "user") else str(obj["user"])


class TokenCreatedOut(TokenOut):
    token: str
