from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from ninja import Field, Schema

from gridcare.core.choices import ApiTokenScope
from gridcare.core.models import API_TOKEN_NAME_MAX


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class ValidationErrorOut(ErrorOut):
    errors: list[dict[str, Any]] = []


class LoginIn(Schema):
    username: str
    password: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    kind: str
    roles: list[str]
    org_unit: str | None


class TokenCreateIn(Schema):
    """A new bearer token: `scopes` default to read only; without `expires_in_days` it lives
    the longest allowed (`GRIDCARE_API_TOKEN_MAX_DAYS`, 365 days by default)."""

    name: str = Field(min_length=1, max_length=API_TOKEN_NAME_MAX)
    scopes: list[ApiTokenScope] = Field(
        default_factory=lambda: [ApiTokenScope.READ], min_length=1, max_length=3
    )
    expires_in_days: int | None = Field(None, ge=1, le=settings.API_TOKEN_MAX_DAYS)


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
