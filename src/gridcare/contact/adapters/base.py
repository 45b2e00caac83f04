"""What every inbound adapter produces, and the refusals they share (framework-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gridcare.core.errors import DomainError, NotFound, PermissionDeniedError


@dataclass(frozen=True)
class Inbound:
    """One verified message from a channel: who sent it (openid / user id / mobile), the
    platform's message id, and the text (or a label for non-text messages). An adapter
    that recognises more fills `summary` (the timeline line; default: the text) and `data`
    (kept on the timeline entry), and clears `conversational` for a message that answers
    something rather than opening a conversation (an SMS rating)."""

    channel: str
    app_id: str
    sender: str
    message_id: str
    kind: str
    text: str
    sent_at: datetime
    summary: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    conversational: bool = True


class BadSignature(PermissionDeniedError):
    def __init__(self, message: str = "签名校验失败") -> None:
        super().__init__("contact.webhook.bad_signature", message)


class StaleRequest(PermissionDeniedError):
    def __init__(self) -> None:
        super().__init__("contact.webhook.stale", "请求时间戳已过期（可能是重放）")


class UnknownApp(NotFound):
    def __init__(self, app_id: str) -> None:
        super().__init__("contact.webhook.unknown_app", f"未配置的应用：{app_id[:64]}")


class BadPayload(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__("contact.webhook.bad_payload", message)


class PayloadTooLarge(DomainError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__("contact.webhook.too_large", f"请求体超过 {limit} 字节")
