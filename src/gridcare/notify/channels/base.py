"""The one interface every outbound channel implements, and how a channel finds its backend."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Outbound:
    """One rendered message for a backend; `key` is the notification's idempotency key."""

    key: str
    channel: str
    destination: str
    subject: str
    body: str
    user_id: int | None = None


@dataclass(frozen=True)
class SendResult:
    """`ok`: the gateway took it (`provider_id` is its id). Otherwise `retryable` says
    whether trying again later can help, `error` why it failed (shown to staff)."""

    ok: bool
    provider_id: str = ""
    retryable: bool = True
    error: str = ""


class ChannelBackend(Protocol):
    def send(self, message: Outbound) -> SendResult: ...


@cache
def backend_for(channel: str) -> ChannelBackend:
    """The backend configured for `channel` in `settings.NOTIFY_BACKENDS` (one instance per
    process, so connections are reused)."""
    path = settings.NOTIFY_BACKENDS[channel]
    backend: ChannelBackend = import_string(path)()
    return backend
