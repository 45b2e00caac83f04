"""Where money goes: the named bill first, then the oldest; a partial payment leaves the
rest owing, an overpayment stays as credit and pays the next bill; counter cash and bank
transfers by staff who may take them; the ledger balances after every step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.billing.choices import BillEventKind, BillStatus, LedgerKind, PaymentEventKind
from gridcare.billing.models import Bill, BillingProfile
from gridcare.billing.services.allocation import allocation_apply
from gridcare.billing.services.ledger import ledger_post
from gridcare.billing.services.payments import payment_record_counter, payment_record_transfer
from gridcare.core.errors import Conflict, NotFound, PermissionDeniedError
from tests.billing.pay_support import balanced, issue_bill

pytestmark = pytest.mark.django_db


def _cash(world, amount: str, receipt: str, bill: Bill | None = None, account=None):  # type: ignore[no-untyped-def]
    return payment_record_counter(
        actor=world.users["clerk_s1"], account=account or world.account_a,
        amount=Decimal(amount), receipt_number=receipt, bill=bill,
    )  # fmt: skip


def _balance(account) -> Decimal:  # type: ignore[no-untyped-def]
    return BillingProfile.objects.get(account=account).balance


def _state(bill: Bill) -> tuple[str, Decimal]:
    bill.refresh_from_db()
    return bill.status, bill.paid


def test_a_partial_payment_leaves_the_rest_owing(world) -> None:  # type: ignore[no-untyped-def]
    bill = issue_bill(world.account_a, "100.00")
    payment = _cash(world, "40.00", "R-0001", bill)
    assert _state(bill) == (BillStatus.PARTIALLY_PAID, Decimal("40.00"))
    assert _balance(world.account_a) == Decimal("-60.00")
    event = bill.events.get(kind=BillEventKind.PAYMENT)
    assert event.detail == {"amount": "40.00", "payment": payment.out_trade_no}
    assert payment.events.get(kind=PaymentEventKind.PAID).detail["reference"] == "R-0001"
    assert balanced(world.account_a)


def test_an_overpayment_becomes_credit_that_pays_the_next_bill(world) -> None:  # type: ignore[no-untyped-def]
    october = issue_bill(world.account_a, "100.00")
    _cash(world, "150.00", "R-0002", october)
    assert _state(october) == (BillStatus.PAID, Decimal("100.00"))
    assert set(october.events.values_list("kind", flat=True)) >= {
        BillEventKind.PAYMENT,
        BillEventKind.PAID,
    }
    assert _balance(world.account_a) == Decimal("50.00")
    november = issue_bill(world.account_a, "80.00", month=11)
    allocation_apply(account=world.account_a, actor=None)  # what the bill run does
    assert _state(november) == (BillStatus.PARTIALLY_PAID, Decimal("50.00"))
    assert _balance(world.account_a) == Decimal("-30.00")
    assert balanced(world.account_a)


def test_a_payment_without_a_bill_pays_the_oldest_first(world) -> None:  # type: ignore[no-untyped-def]
    september = issue_bill(world.account_a, "30.00", month=9)
    october = issue_bill(world.account_a, "50.00", month=10)
    _cash(world, "60.00", "R-0003")
    assert _state(september) == (BillStatus.PAID, Decimal("30.00"))
    assert _state(october) == (BillStatus.PARTIALLY_PAID, Decimal("30.00"))


def test_a_payment_for_a_bill_pays_that_bill_first(world) -> None:  # type: ignore[no-untyped-def]
    september = issue_bill(world.account_a, "30.00", month=9)
    october = issue_bill(world.account_a, "50.00", month=10)
    _cash(world, "50.00", "R-0004", october)
    assert _state(october) == (BillStatus.PAID, Decimal("50.00"))
    assert _state(september) == (BillStatus.ISSUED, Decimal("0.00"))


def test_a_late_fee_is_covered_before_the_bill(world) -> None:  # type: ignore[no-untyped-def]
    bill = issue_bill(world.account_a, "100.00")
    ledger_post(
        account=world.account_a, kind=LedgerKind.LATE_FEE, amount=Decimal("-5.00"), key="fee:1"
    )
    _cash(world, "100.00", "R-0005", bill)
    assert _state(bill) == (BillStatus.PARTIALLY_PAID, Decimal("95.00"))
    assert _balance(world.account_a) == Decimal("-5.00")
    assert balanced(world.account_a)


def test_a_receipt_is_recorded_once(world) -> None:  # type: ignore[no-untyped-def]
    first = _cash(world, "20.00", "R-0006")
    assert _cash(world, "20.00", "R-0006").pk == first.pk  # a double-click
    with pytest.raises(Conflict):
        _cash(world, "25.00", "R-0006")
    assert _balance(world.account_a) == Decimal("20.00")


def test_only_staff_who_take_payments_in_their_scope_record_cash(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDeniedError):
        payment_record_counter(actor=world.users["agent_s1"], account=world.account_a,
                               amount=Decimal("1.00"), receipt_number="R-1")  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        payment_record_counter(actor=world.users["alice"], account=world.account_a,
                               amount=Decimal("1.00"), receipt_number="R-2")  # fmt: skip
    with pytest.raises(NotFound):  # account C belongs to another station
        _cash(world, "1.00", "R-3", account=world.account_c)


def test_a_bank_transfer_is_recorded_with_its_reference(world) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    payment = payment_record_transfer(
        actor=world.users["manager"], account=world.account_c, amount=Decimal("1200.00"),
        reference="ICBC20261201-0042", received_on=dt.date(2026, 12, 1),
    )  # fmt: skip
    detail = payment.events.get(kind=PaymentEventKind.PAID).detail
    assert detail["received_on"] == "2026-12-01"
    assert payment.provider_txn_id == "ICBC20261201-0042"
    assert _balance(world.account_c) == Decimal("1200.00")


class _Rollback(Exception):
    pass


# Each example runs in a transaction rolled back at its end, so the world is shared safely.
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bills=st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=4),
    payments=st.lists(st.integers(min_value=1, max_value=60_000), min_size=1, max_size=5),
)
def test_bills_are_covered_as_far_as_the_money_goes(
    world, bills: list[int], payments: list[int]
) -> None:  # type: ignore[no-untyped-def]
    """Whatever the bills and payments (in fen), the bills' paid sum is min(billed, paid)
    and the ledger balances after every payment."""
    try:
        with transaction.atomic():
            issued = [
                issue_bill(world.account_a, str(Decimal(b) / 100), month=i + 1)
                for i, b in enumerate(bills)
            ]
            for n, fen in enumerate(payments):
                _cash(world, str(Decimal(fen) / 100), f"H-{n}")
                assert balanced(world.account_a)
            paid = sum(Bill.objects.get(pk=b.pk).paid for b in issued)
            assert paid == min(Decimal(sum(bills)), Decimal(sum(payments))) / 100
            raise _Rollback
    except _Rollback:
        pass
