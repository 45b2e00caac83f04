"""What every payment adapter speaks, whatever the provider's protocol.

An adapter turns our calls (create an order, ask about it, close it, refund it) into the
provider's API through its SDK, and a provider's callback into a verified `Notice` — or a
`CallbackRejected` carrying the verdict the callback gets (`CallbackVerdict`). Amounts are
Decimal yuan here; adapters convert to the provider's units (WeChat: integer fen).

>>> fen_of(Decimal("12.30"))
1230
>>> yuan_of(1230)
Decimal('12.30')
>>> parse_yuan("12.3")
Decimal('12.30')
>>> parse_yuan("1e3") is None
True
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gridcare.core.errors import DomainError, Unavailable

_YUAN = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
FEN = Decimal("0.01")


def fen_of(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def yuan_of(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def parse_yuan(text: str) -> Decimal | None:
    """A provider's `"12.30"` as Decimal, or None for anything that is not plain yuan."""
    return Decimal(text).quantize(FEN) if _YUAN.match(text or "") else None


class Device(enum.StrEnum):
    """Where the payer pays: a QR code on a desktop screen, a redirect on a phone."""

    DESKTOP = "desktop"
    PHONE = "phone"


class TradeState(enum.StrEnum):
    PAID = "paid"
    NOTPAY = "notpay"
    CLOSED = "closed"
    #: The provider has no such order (never created there, or never scanned: Alipay).
    MISSING = "missing"


class RefundState(enum.StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"


class NoticeKind(enum.StrEnum):
    PAID = "paid"
    REFUND = "refund"
    CLOSED = "closed"
    OTHER = "other"


@dataclass(frozen=True)
class Checkout:
    """What the payer's device needs: a QR code's content, or the URL to send a phone to."""

    code_url: str = ""
    redirect_url: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code_url": self.code_url} if self.code_url else {"redirect_url": self.redirect_url}


@dataclass(frozen=True)
class Trade:
    """What the provider says about an order when asked."""

    state: TradeState
    txn_id: str = ""
    amount: Decimal | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True)
class RefundResult:
    state: RefundState
    refund_id: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Notice:
    """A verified callback. `amount` is the order's total. A refund notice names the refund
    (`out_refund_no`) and its amount, or — Alipay — only the trade's refunded total."""

    kind: NoticeKind
    event: str
    out_trade_no: str
    txn_id: str = ""
    amount: Decimal | None = None
    paid_at: datetime | None = None
    out_refund_no: str = ""
    refund_id: str = ""
    refund_amount: Decimal | None = None
    refund_total: Decimal | None = None
    refund_ok: bool = False


class CallbackRejected(Exception):
    """A callback refused before anything is looked up: its verdict and why."""

    def __init__(self, verdict: str, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.message = message


class ProviderUnavailable(Unavailable):
    """The provider did not answer, or answered what cannot be trusted; try again later."""

    def __init__(self, message: str = "支付平台暂时无法访问，请稍后再试") -> None:
        super().__init__("billing.payment.provider_unavailable", message)


class ProviderRefused(DomainError):
    """The provider said no (its code is kept for the log and the event row)."""

    def __init__(self, provider_code: str, message: str) -> None:
        super().__init__(
            "billing.payment.provider_refused",
            f"支付平台拒绝了请求：{message[:120]}",
            provider_code=provider_code[:64],
        )
        self.provider_code = provider_code


class NotConfigured(Unavailable):
    def __init__(self, provider: str) -> None:
        super().__init__("billing.payment.not_configured", f"未配置支付渠道：{provider}")
