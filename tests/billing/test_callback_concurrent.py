"""The same callbacks delivered several times at once (threads, real HTTP to the live
server; run it on PostgreSQL too): each payment is applied exactly once, every delivery
is answered as accepted, and both ledgers balance."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from django.db import connection, transaction

from gridcare.billing.choices import CallbackVerdict, LedgerKind, PaymentStatus
from gridcare.billing.models import CallbackRecord, LedgerEntry, Payment
from gridcare.testing.personas import World, build_world
from tests.billing.pay_support import alipay_paid, balanced, open_order, wechat_paid

COPIES = 4


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


def test_duplicate_deliveries_at_once_apply_each_payment_once(
    live_world, demo_pay, live_server
) -> None:  # type: ignore[no-untyped-def]
    orders = []
    for i in range(6):
        account = live_world.account_a if i % 2 else live_world.account_c
        provider = "wechat" if i < 3 else "alipay"
        payment = open_order(account, provider, f"{10 + i}.01")
        signed = (wechat_paid if provider == "wechat" else alipay_paid)(demo_pay, payment)
        orders.append((provider, signed))
    jobs = [order for order in orders for _ in range(COPIES)]

    def deliver(job: tuple[str, tuple[dict[str, str], bytes]]) -> tuple[int, str]:
        provider, (headers, body) = job
        answer = httpx.post(
            f"{live_server.url}/webhooks/pay/{provider}/", content=body, headers=headers, timeout=30
        )
        return answer.status_code, answer.text

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        answers = list(pool.map(deliver, jobs))

    assert all(status == 200 for status, _ in answers), answers
    assert all(text == "success" or json.loads(text)["code"] == "SUCCESS" for _, text in answers)
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == 6
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 6
    assert CallbackRecord.objects.filter(verdict=CallbackVerdict.APPLIED).count() == 6
    assert CallbackRecord.objects.filter(verdict=CallbackVerdict.DUPLICATE).count() == 6 * (
        COPIES - 1
    )
    paid = sum(Decimal(f"{10 + i}.01") for i in range(6))
    total = sum(e.amount for e in LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT))
    assert total == paid
    assert balanced(live_world.account_a, live_world.account_c)


def test_a_row_held_elsewhere_gets_a_quick_503_that_the_provider_retries(
    live_world, demo_pay, live_server, settings
) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only: SQLite has no per-transaction lock timeout (its busy timeout applies)"
        )
    settings.PAY_CALLBACK_LOCK_TIMEOUT_MS = 200
    payment = open_order(live_world.account_a, "wechat", "8.00")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # another transaction keeps the order's row (a long billing run)
        with transaction.atomic():
            Payment.objects.select_for_update().get(pk=payment.pk)
            held.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    headers, body = wechat_paid(demo_pay, payment)
    url = f"{live_server.url}/webhooks/pay/wechat/"
    busy = httpx.post(url, content=body, headers=headers, timeout=30)
    release.set()
    holder.join()
    assert busy.status_code == 503
    assert busy.json()["code"] == "FAIL"
    retry = httpx.post(url, content=body, headers=headers, timeout=30)
    assert retry.json()["code"] == "SUCCESS"
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 1
