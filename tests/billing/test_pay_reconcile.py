"""Reconciliation: callbacks reporting money no order explains are listed for managers
and administrators, who apply the money or dismiss the record with a note — once, audited
— after which the provider's retries are answered as accepted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gridcare.billing.choices import (
    CallbackResolution,
    CallbackVerdict,
    LedgerKind,
    PaymentEventKind,
    PaymentStatus,
)
from gridcare.billing.models import CallbackRecord, LedgerEntry, Payment
from gridcare.billing.selectors.reconciliation import callback_for_reconcile, callbacks_to_reconcile
from gridcare.billing.services.reconcile import callback_resolve
from gridcare.core.errors import Conflict, DomainError, NotFound, PermissionDeniedError
from gridcare.core.models import AuditLog
from tests.billing.pay_support import balanced, open_order, post_callback, wechat_paid

pytestmark = pytest.mark.django_db
GHOST = Payment(out_trade_no="P20261130000000000077", amount=Decimal("25.00"), pk=77)


def _listed_unknown(demo_pay, client) -> CallbackRecord:  # type: ignore[no-untyped-def]
    assert (
        post_callback(client, "wechat", wechat_paid(demo_pay, GHOST, txn="4200G")).status_code
        == 404
    )
    return CallbackRecord.objects.get(verdict=CallbackVerdict.UNKNOWN_ORDER)


def test_the_list_is_for_managers_and_admins(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    record = _listed_unknown(demo_pay, client)
    assert list(callbacks_to_reconcile(user=world.users["manager"])) == [record]
    assert list(callbacks_to_reconcile(user=world.users["admin"])) == [record]
    for name in ("clerk_s1", "agent_s1", "alice"):
        assert not callbacks_to_reconcile(user=world.users[name]).exists()
        with pytest.raises(NotFound):
            callback_for_reconcile(user=world.users[name], record_id=record.pk)
        with pytest.raises(PermissionDeniedError):
            callback_resolve(
                actor=world.users[name], record=record, resolution="dismissed", note="x"
            )


def test_money_for_an_unknown_order_is_applied_to_the_account_staff_choose(
    world, demo_pay, client
) -> None:  # type: ignore[no-untyped-def]
    record = _listed_unknown(demo_pay, client)
    manager = world.users["manager"]
    with pytest.raises(DomainError) as caught:
        callback_resolve(actor=manager, record=record, resolution=CallbackResolution.APPLIED)
    assert caught.value.code == "billing.reconcile.account"
    resolved = callback_resolve(
        actor=manager, record=record, resolution=CallbackResolution.APPLIED, account=world.account_a
    )
    payment = resolved.payment
    assert payment is not None
    assert payment.provider_txn_id == "4200G"
    assert payment.status == PaymentStatus.PAID
    assert payment.amount == Decimal("25.00")
    assert payment.events.filter(kind=PaymentEventKind.RECONCILED).exists()
    assert LedgerEntry.objects.get(kind=LedgerKind.PAYMENT).amount == Decimal("25.00")
    assert AuditLog.objects.filter(
        action="billing.callback.resolve", object_id=str(record.pk)
    ).exists()
    assert not callbacks_to_reconcile(user=manager).exists()
    with pytest.raises(Conflict):
        callback_resolve(
            actor=manager, record=record, resolution=CallbackResolution.DISMISSED, note="x"
        )
    # WeChat retries the callback: now accepted, and nothing more is applied.
    retry = post_callback(client, "wechat", wechat_paid(demo_pay, GHOST, txn="4200G"))
    assert retry.status_code == 200
    assert retry.json()["code"] == "SUCCESS"
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 1
    assert balanced(world.account_a)


def test_a_wrong_amount_is_applied_as_received(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    assert (
        post_callback(
            client, "wechat", wechat_paid(demo_pay, payment, txn="4200W", fen=5500)
        ).status_code
        == 409
    )
    record = CallbackRecord.objects.get(verdict=CallbackVerdict.WRONG_AMOUNT)
    callback_resolve(
        actor=world.users["admin"], record=record, resolution=CallbackResolution.APPLIED
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.amount == Decimal("55.00")
    assert payment.events.get(kind=PaymentEventKind.RECONCILED).detail["ordered"] == "50.00"
    retry = post_callback(client, "wechat", wechat_paid(demo_pay, payment, txn="4200W", fen=5500))
    assert retry.json()["code"] == "SUCCESS"
    assert LedgerEntry.objects.get(kind=LedgerKind.PAYMENT).amount == Decimal("55.00")
    assert balanced(world.account_a)


def test_a_dismissal_needs_a_note_and_stops_the_retries(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    record = _listed_unknown(demo_pay, client)
    with pytest.raises(DomainError) as caught:
        callback_resolve(
            actor=world.users["manager"], record=record, resolution=CallbackResolution.DISMISSED
        )
    assert caught.value.code == "billing.reconcile.note"
    callback_resolve(actor=world.users["manager"], record=record, resolution=CallbackResolution.DISMISSED,
                     note="已在商户平台原路退款")  # fmt: skip
    record.refresh_from_db()
    assert record.resolution == CallbackResolution.DISMISSED
    assert record.resolved_by == world.users["manager"]
    retry = post_callback(client, "wechat", wechat_paid(demo_pay, GHOST, txn="4200G"))
    assert retry.json()["code"] == "SUCCESS"
    assert not LedgerEntry.objects.exists()


def test_a_refund_notice_for_an_unknown_order_can_only_be_dismissed(
    world, demo_pay, client
) -> None:  # type: ignore[no-untyped-def]
    from tests.billing.pay_support import refund_notice

    answer = post_callback(
        client, "wechat", refund_notice(demo_pay, GHOST, out_refund_no="R" * 64, fen=100)
    )
    assert answer.status_code == 404
    record = CallbackRecord.objects.get(verdict=CallbackVerdict.UNKNOWN_ORDER)
    with pytest.raises(DomainError) as caught:
        callback_resolve(actor=world.users["manager"], record=record, resolution=CallbackResolution.APPLIED,
                         account=world.account_a)  # fmt: skip
    assert caught.value.code == "billing.reconcile.refund"
