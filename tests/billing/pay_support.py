"""What the payment tests share: bills to pay, genuine callbacks signed with the demo
platform keys, and waiting for another thread (fixtures: `pay_fixtures`)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from gridcare.billing.choices import BillEventKind, BillStatus, LedgerKind
from gridcare.billing.models import Bill, BillEvent, Payment
from gridcare.billing.payments.demo import callbacks
from gridcare.billing.payments.demo.world import DemoWorld, demo_world
from gridcare.billing.services.ledger import ledger_check, ledger_post
from gridcare.customers.models import Account


@dataclass
class Gateway:
    url: str

    @property
    def world(self) -> DemoWorld:
        found = demo_world()
        assert found is not None
        return found


def issue_bill(account: Account, total: str, *, month: int = 10, number: str = "") -> Bill:
    """A live bill of `total` yuan for 2026-`month`, posted to the ledger (what the run
    does when it issues one)."""
    period = dt.date(2026, month, 1)
    bill = Bill.objects.create(
        number=number or f"B{account.number[-4:]}{month:02d}",
        account=account,
        period=period,
        period_start=period,
        period_end=period.replace(day=28),
        tariff_code="GZ-RES-TIER",
        payment_mode="postpaid",
        energy_kwh=Decimal("200"),
        total=Decimal(total),
        # Not yet due whatever the day the tests run: a late fee (the cycle's, posted with
        # each payment) would change the figures these tests are about.
        due_date=timezone.localdate() + dt.timedelta(days=15),
        status=BillStatus.ISSUED,
    )
    BillEvent.objects.create(bill=bill, kind=BillEventKind.ISSUED)
    ledger_post(
        account=account,
        kind=LedgerKind.BILL,
        amount=-bill.total,
        key=f"bill:{bill.number}",
        bill=bill,
    )
    return bill


def wechat_paid(
    world: DemoWorld, payment: Payment, *, txn: str = "", fen: int | None = None,
    now: float | None = None, trade_state: str = "SUCCESS",
) -> tuple[dict[str, str], bytes]:  # fmt: skip
    resource = callbacks.wechat_transaction(
        world,
        out_trade_no=payment.out_trade_no,
        txn_id=txn or f"4200{payment.pk:024d}",
        total_fen=int(payment.amount * 100) if fen is None else fen,
        trade_state=trade_state,
    )
    return callbacks.wechat_callback(
        world, event_type="TRANSACTION.SUCCESS", resource=resource, now=now
    )


def alipay_paid(
    world: DemoWorld, payment: Payment, *, txn: str = "", total: str = "", now: float | None = None,
    status: str = "TRADE_SUCCESS", **extra: str,
) -> tuple[dict[str, str], bytes]:  # fmt: skip
    fields = callbacks.alipay_trade(
        out_trade_no=payment.out_trade_no,
        txn_id=txn or f"2026{payment.pk:024d}",
        total=total or str(payment.amount),
        status=status,
        **extra,
    )
    return callbacks.alipay_notify(world, fields, now=now)


def post_callback(client: Client, provider: str, signed: tuple[dict[str, str], bytes]) -> Any:
    headers, body = signed
    content_type = headers.pop("Content-Type", "application/json")
    return client.post(
        f"/webhooks/pay/{provider}/", data=body, content_type=content_type, headers=headers
    )


def balanced(*accounts: Account) -> bool:
    return all(ledger_check(account=account) for account in accounts)


def wait_for(condition: Callable[[], bool], *, seconds: float = 20) -> bool:
    """Poll `condition` until true (what another thread or process does takes its time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def open_order(
    account: Account, provider: str, amount: str, *, bill: Bill | None = None
) -> Payment:
    """An online order as `payment_create` leaves it (CREATED), without calling the
    provider: for tests about what arrives afterwards."""
    from django.utils import timezone

    from gridcare.billing.services.pay_numbers import payment_number

    now = timezone.now()
    return Payment.objects.create(
        out_trade_no=payment_number("P"),
        account=account,
        bill=bill,
        provider=provider,
        amount=Decimal(amount),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=30),
    )


def refund_notice(
    world: DemoWorld, payment: Payment, *, out_refund_no: str, fen: int, txn: str = "",
    status: str = "SUCCESS",
) -> tuple[dict[str, str], bytes]:  # fmt: skip
    resource = callbacks.wechat_refund(
        world,
        out_trade_no=payment.out_trade_no,
        txn_id=txn or f"4200{payment.pk:024d}",
        out_refund_no=out_refund_no,
        refund_id=f"50{payment.pk:026d}",
        refund_fen=fen,
        total_fen=int(payment.amount * 100),
        status=status,
    )
    event = "REFUND.SUCCESS" if status == "SUCCESS" else f"REFUND.{status}"
    return callbacks.wechat_callback(
        world, event_type=event, resource=resource, original_type="refund"
    )
