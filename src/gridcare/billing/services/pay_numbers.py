"""Payment and refund numbers, and the amount rule every payment input passes."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.core.errors import DomainError

BEIJING = dt.timezone(dt.timedelta(hours=8))


def payment_number(prefix: str) -> str:
    """A letter (P online, C counter, T transfer, M reconciled, R refund) + Beijing time +
    8 random digits: 23 characters, within both providers' limits (WeChat: 6–32 of
    [A-Za-z0-9_-|*])."""
    now = timezone.now().astimezone(BEIJING)
    return f"{prefix}{now:%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


def payment_amount_check(amount: Decimal) -> Decimal:
    """A positive amount in whole fen, at most PAY_MAX_AMOUNT yuan (else a 400)."""
    ok = (
        isinstance(amount, Decimal)
        and amount.is_finite()
        and Decimal("0.01") <= amount <= settings.PAY_MAX_AMOUNT
        and amount == amount.quantize(Decimal("0.01"))
    )
    if not ok:
        raise DomainError(
            "billing.payment.amount",
            _("The amount must be between ¥0.01 and ¥%(max)s, in whole fen")
            % {"max": f"{settings.PAY_MAX_AMOUNT:,}"},
            field="amount",
        )
    return amount.quantize(Decimal("0.01"))
