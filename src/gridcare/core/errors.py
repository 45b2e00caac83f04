"""Domain errors: raised by services, mapped to HTTP/form errors at the edge."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule said no. `code` is stable and dotted (`customers.account.not_found`)."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, **data: Any):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.data:
            body["data"] = self.data
        return body


class Unauthenticated(DomainError):
    """Credentials that name no active user (a wrong password at login)."""

    status = 401


class NotFound(DomainError):
    status = 404


class PermissionDeniedError(DomainError):
    status = 403


class ConcurrentChange(DomainError):
    status = 409


class Conflict(DomainError):
    """The request clashes with what is stored (an ID number already registered)."""

    status = 409


class RateLimited(DomainError):
    status = 429


class Unavailable(DomainError):
    """An outside system (the SMS gateway) did not do its part; trying later may work."""

    status = 503
