"""Bills: a prepaid month is a statement that trues up the daily deductions; a manual
correction cancels and rebills, or says why it cannot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gridcare.billing.choices import BillKind, BillStatus, HoldReason, LedgerKind
from gridcare.billing.models import Bill, TariffVersion
from gridcare.billing.services.bills import bill_correct, bill_number
from gridcare.billing.services.ledger import ledger_check, ledger_post
from gridcare.billing.services.run import billing_run
from gridcare.core.errors import DomainError
from gridcare.core.models import AuditLog
from gridcare.testing.personas import World

from .readings import Readings
from .run_support import NOV, balance, ledger, live_bill
from .run_support import billed as billed
from .run_support import readings as readings

pytestmark = pytest.mark.django_db


def _deduct(world: World, day: dt.date, amount: str) -> None:
    """A daily deduction as the prepaid cycle posts it."""
    account = world.account_b
    ledger_post(
        account=account,
        kind=LedgerKind.DEDUCTION,
        amount=-Decimal(amount),
        key=f"deduct:{account.number}:{day.isoformat()}",
    )


def test_bill_numbers_carry_month_account_and_sequence() -> None:
    assert bill_number(NOV, "3100000000001", 1) == "B202611310000000000101"
    assert bill_number(NOV, "3100000000001", 12) == "B202611310000000000112"


def test_a_prepaid_bill_posts_only_the_true_up_of_the_days_deducted(
    billed: World, readings: Readings
) -> None:
    for day in range(1, 31):
        _deduct(billed, dt.date(2026, 11, day), "8.50")  # 255.00 in November
    _deduct(billed, dt.date(2026, 10, 31), "9.00")  # October's, posted late
    _deduct(billed, dt.date(2026, 12, 1), "7.00")  # December's
    billing_run(period=NOV, usage=readings)
    bill = live_bill(billed.account_b)
    assert bill.total == Decimal("269.70")  # the TOU quote's figure
    assert (bill.status, bill.paid) == (BillStatus.PAID, bill.total)  # settled from balance
    settled = ledger(billed.account_b)[-1]
    assert settled == (LedgerKind.DEDUCTION_SETTLED, f"bill:{bill.number}", Decimal("-14.70"))
    # Over the month the account paid the bill exactly: deductions + true-up = total.
    assert balance(billed.account_b) == -(Decimal("255.00") + Decimal("14.70") + 16)
    assert ledger_check(account=billed.account_b)


def test_a_prepaid_rebill_trues_up_again(billed: World, readings: Readings) -> None:
    for day in range(1, 31):
        _deduct(billed, dt.date(2026, 11, day), "8.50")
    billing_run(period=NOV, usage=readings)
    readings.month("MB0001", NOV, peak=110, flat=150, valley=200)  # 10 kWh more at peak
    billing_run(period=NOV, usage=readings)
    rebill = live_bill(billed.account_b)
    assert rebill.total == Decimal("269.70") + Decimal("9.66") + Decimal("3.00")
    assert [e[0] for e in ledger(billed.account_b)[-3:]] == [
        LedgerKind.DEDUCTION_SETTLED,
        LedgerKind.BILL_CANCELLED,
        LedgerKind.DEDUCTION_SETTLED,
    ]
    assert balance(billed.account_b) == -rebill.total
    assert ledger_check(account=billed.account_b)


def test_a_correction_after_a_price_fix_cancels_and_rebills(
    billed: World, readings: Readings
) -> None:
    billing_run(period=NOV, usage=readings)
    bill = live_bill(billed.account_c)
    version = TariffVersion.objects.get(tariff__code="GD-CI-TOU-1KV")
    version.spec["energy"]["peak"] = "1.1400"  # the administrator fixes a typo
    version.save()
    admin = billed.users["admin"]
    rebill = bill_correct(actor=admin, bill=bill, reason="peak price typo", usage=readings)
    bill.refresh_from_db()
    assert bill.status == BillStatus.CANCELLED
    assert (rebill.kind, rebill.replaces_id) == (BillKind.REBILL, bill.pk)
    assert rebill.total == bill.total - Decimal("0.99")  # 300 kWh × 0.0033
    assert rebill.events.get().actor == admin
    entry = AuditLog.objects.get(action="billing.bill_correct")
    assert entry.data["replaces"] == bill.number
    assert entry.data["reason"] == "peak price typo"
    assert balance(billed.account_c) == -rebill.total


def test_a_correction_that_changes_nothing_is_refused(billed: World, readings: Readings) -> None:
    billing_run(period=NOV, usage=readings)
    bill = live_bill(billed.account_a)
    with pytest.raises(DomainError) as caught:
        bill_correct(actor=None, bill=bill, reason="check", usage=readings)
    assert caught.value.code == "billing.bill.unchanged"
    assert Bill.objects.filter(account=billed.account_a).count() == 1


def test_a_correction_needs_a_reason_and_a_live_bill(billed: World, readings: Readings) -> None:
    billing_run(period=NOV, usage=readings)
    bill = live_bill(billed.account_a)
    with pytest.raises(DomainError) as caught:
        bill_correct(actor=None, bill=bill, reason="  ", usage=readings)
    assert caught.value.code == "billing.bill.reason_required"
    readings.month("MA0001", NOV, flat=460)
    bill_correct(actor=None, bill=bill, reason="meter re-read", usage=readings)
    bill.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        bill_correct(actor=None, bill=bill, reason="again", usage=readings)
    assert caught.value.code == "billing.bill.cancelled"


def test_a_correction_on_suspect_readings_is_refused_with_the_hold(
    billed: World, readings: Readings
) -> None:
    billing_run(period=NOV, usage=readings)
    readings.days["MA0001"][dt.date(2026, 11, 4)].suspect_intervals = 3
    with pytest.raises(DomainError) as caught:
        bill_correct(actor=None, bill=live_bill(billed.account_a), reason="x", usage=readings)
    assert caught.value.code == "billing.bill.held"
    assert caught.value.data["reason"] == HoldReason.SUSPECT_READINGS
    assert "3 suspect readings" in caught.value.message
