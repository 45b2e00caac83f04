from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


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
    name: str
    expires_in_days: int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str
