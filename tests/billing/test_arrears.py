"""Arrears of post-paid accounts: the late fee day by day (residential 1‰, non-residential
2‰ / 3‰ across the new year, the ¥1 minimum), posted with the payments; reminders, the
disconnection notice the configured days ahead, the request on the planned date; important
customers held, partial payments neither stop the disconnection nor reconnect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gridcare.billing.choices import BillEventKind, BillingEventKind, LedgerKind, SupplyState
from gridcare.billing.engine.late_fee import LateFeeRates, factor, fee_shown
from gridcare.billing.models import BillEvent, BillingEvent, BillingProfile, LedgerEntry
from gridcare.billing.selectors.cycle import account_arrears, disconnections_held
from gridcare.billing.services.ledger import ledger_check
from gridcare.customers.models import Account
from gridcare.notify.models import Notification
from gridcare.testing.personas import World
from tests.billing.cycle_support import D, bill_issue, on, opened_since_2025, pay, run

OCT = dt.date(2026, 10, 1)
DUE = dt.date(2026, 11, 15)
RATES = LateFeeRates(
    residential=D("0.001"), current_year=D("0.002"), carried_over=D("0.003"), minimum=D("1")
)


@pytest.fixture
def cycle_world(world: World) -> World:
    return opened_since_2025(world)


def day(n: int) -> dt.date:
    """`n` days after the due date."""
    return DUE + dt.timedelta(days=n)


def alice_bill(cycle_world: World, total: str = "300.00"):  # type: ignore[no-untyped-def]
    return bill_issue(
        cycle_world.account_a, period=OCT, total=total, due=DUE, tariff_code="GZ-RES-TIER"
    )


def events(account: Account, kind: str) -> list[BillingEvent]:
    return list(BillingEvent.objects.filter(account=account, kind=kind).order_by("id"))


def supply(account: Account) -> str:
    return BillingProfile.objects.get(account=account).supply_state


def fees(account: Account) -> list[Decimal]:
    return list(
        LedgerEntry.objects.filter(account=account, kind=LedgerKind.LATE_FEE)
        .order_by("seq")
        .values_list("amount", flat=True)
    )


# --- The fee itself ---


def test_the_factor_is_the_sum_of_the_daily_rates_across_the_new_year() -> None:
    due = dt.date(2026, 12, 20)
    for through in [due, dt.date(2026, 12, 31), dt.date(2027, 1, 5), dt.date(2027, 3, 1)]:
        days = [due + dt.timedelta(days=n) for n in range(1, (through - due).days + 1)]
        expected = sum((D("0.002") if d.year == 2026 else D("0.003") for d in days), D(0))
        assert factor(rates=RATES, residential=False, due=due, through=through) == expected
        assert factor(rates=RATES, residential=True, due=due, through=through) == D("0.001") * len(
            days
        )
    assert fee_shown(D("0.004"), minimum=D("1")) == D("1")
    assert fee_shown(D("0"), minimum=D("1")) == D("0")
    assert fee_shown(D("12.345"), minimum=D("1")) == D("12.35")


def test_the_late_fee_accrues_exactly_per_day_from_the_day_after_the_due_date(
    cycle_world: World,
) -> None:
    alice_bill(cycle_world, total="2000.00")
    assert account_arrears(account=cycle_world.account_a, today=DUE).total == 0
    for n in range(1, 21):
        arrears = account_arrears(account=cycle_world.account_a, today=day(n))
        assert arrears.overdue == D("2000.00")
        assert arrears.late_fee == D("2.00") * n  # 1‰ of ¥2,000 a day


def test_non_residential_arrears_carried_into_a_new_year_accrue_3_per_mille(
    cycle_world: World,
) -> None:
    bill_issue(
        cycle_world.account_c,
        period=dt.date(2026, 11, 1),
        total="1000.00",
        due=dt.date(2026, 12, 20),
        tariff_code="GD-CI-TOU-1KV",
    )
    # 11 days of December at 2‰, then 5 days of January at 3‰.
    arrears = account_arrears(account=cycle_world.account_c, today=dt.date(2027, 1, 5))
    assert arrears.late_fee == D("22.00") + D("15.00")


def test_each_payment_posts_the_fee_of_the_part_it_pays(cycle_world: World) -> None:
    alice_bill(cycle_world, total="300.00")
    with on(day(10)):
        pay(cycle_world.account_a, "100.00", "P1")
    # ¥100 paid 10 days late: 100 × 1‰ × 10.
    assert fees(cycle_world.account_a) == [D("-1.00")]
    with on(day(15)):
        arrears = account_arrears(account=cycle_world.account_a, today=day(15))
        # ¥200 still unpaid 15 days (3.00) + ¥1 already posted = what paying today costs.
        assert (arrears.overdue, arrears.late_fee) == (D("200.00"), D("4.00"))
    with on(day(20)):
        pay(cycle_world.account_a, "201.00", "P2")
    # Day by day: ¥300 × 10 days + ¥200 × 10 days at 1‰ = ¥5, of which ¥1 was posted.
    assert fees(cycle_world.account_a) == [D("-1.00"), D("-4.00")]
    profile = BillingProfile.objects.get(account=cycle_world.account_a)
    assert profile.balance == D("-4.00")  # the fee of the second part is still owed
    assert account_arrears(account=cycle_world.account_a, today=day(20)).total == D("4.00")
    assert ledger_check(account=cycle_world.account_a)


def test_a_small_fee_is_charged_as_the_minimum_once_the_bill_is_paid(cycle_world: World) -> None:
    account = cycle_world.account_a
    bill = alice_bill(cycle_world, total="50.00")
    with on(day(2)):
        pay(account, "20.00", "P1")
    assert fees(account) == [D("-0.04")]  # 20 × 1‰ × 2, the part paid
    with on(day(3)):
        pay(account, "30.00", "P2")
    # The posted ¥0.04 is covered first (payments' allocation): ¥29.96 reaches the bill,
    # 29.96 × 1‰ × 3 = 0.08988 more fee, 0.13 in all, and the bill is ¥0.04 short.
    bill.refresh_from_db()
    assert bill.paid == D("49.96")
    assert sum(fees(account)) == D("-0.13")
    with on(day(4)):
        pay(account, "0.13", "P3")
    # Paid in full now, with a fee below ¥1: charged ¥1.
    bill.refresh_from_db()
    assert bill.status == "paid"
    assert sum(fees(account)) == D("-1.00")
    assert BillingProfile.objects.get(account=account).balance == D("-0.87")


def test_a_bill_paid_on_time_has_no_fee_and_paying_twice_changes_nothing(
    cycle_world: World,
) -> None:
    alice_bill(cycle_world)
    with on(DUE):
        pay(cycle_world.account_a, "300.00", "P1")
        pay(cycle_world.account_a, "300.00", "P1")  # the same payment again (its key)
    assert fees(cycle_world.account_a) == []
    assert BillingProfile.objects.get(account=cycle_world.account_a).balance == 0


# --- Reminders, notice, request ---


def test_reminders_go_out_once_on_the_configured_days_after_the_due_date(
    cycle_world: World,
) -> None:
    bill = alice_bill(cycle_world)
    run(DUE)
    assert events(cycle_world.account_a, BillingEventKind.REMINDER) == []
    for _ in range(2):
        run(day(1))
    for n in (2, 5, 9):
        run(day(n))
    assert [e.key for e in events(cycle_world.account_a, BillingEventKind.REMINDER)] == [
        f"reminder:{bill.number}:1"
    ]
    run(day(10))
    sent = Notification.objects.filter(template__code="billing.reminder").order_by("id")
    assert [n.idempotency_key for n in sent] == [
        f"billing:reminder:{bill.number}:1",
        f"billing:reminder:{bill.number}:10",
    ]
    assert "300.00元已于2026年11月15日到期" in sent[0].body
    assert sent[0].purpose == "billing"
    assert BillEvent.objects.filter(bill=bill, kind=BillEventKind.REMINDED).count() == 2


def test_a_run_that_missed_the_reminder_days_sends_only_the_latest(cycle_world: World) -> None:
    bill_issue(
        cycle_world.account_c, period=OCT, total="800.00", due=DUE, tariff_code="GD-CI-TOU-1KV"
    )
    run(day(12))
    assert [e.key.rsplit(":", 1)[1] for e in events(cycle_world.account_c, "reminder")] == ["10"]


def test_the_notice_goes_7_days_ahead_and_the_request_comes_on_the_planned_date(
    cycle_world: World,
) -> None:
    bill = alice_bill(cycle_world)
    for n in (1, 10, 29):
        run(day(n))
    assert events(cycle_world.account_a, BillingEventKind.DISCONNECTION_NOTICE) == []
    run(day(30))
    (notice,) = events(cycle_world.account_a, BillingEventKind.DISCONNECTION_NOTICE)
    assert notice.detail["planned_date"] == "2026-12-22"
    assert notice.detail["bill"] == bill.number
    assert not notice.detail["report_to_authority"]
    message = Notification.objects.get(template__code="billing.disconnection_notice")
    # ¥300 + 30 days at 1‰ (¥9.00).
    assert "欠费309.00元（含违约金9.00元）" in message.body
    assert "如在2026年12月22日前仍未缴清" in message.body

    run(day(36))
    assert events(cycle_world.account_a, BillingEventKind.DISCONNECT_REQUESTED) == []
    assert supply(cycle_world.account_a) == SupplyState.CONNECTED
    for _ in range(2):
        summary = run(day(37))
    (request,) = events(cycle_world.account_a, BillingEventKind.DISCONNECT_REQUESTED)
    assert request.key == f"disconnect:{cycle_world.account_a.number}:{bill.number}"
    assert request.handled_at is None  # the service app's job takes it from here
    assert supply(cycle_world.account_a) == SupplyState.DISCONNECTION_REQUESTED
    assert summary.disconnect_requests == 0  # the second run of the day did nothing


def test_non_residential_notice_is_3_days_ahead(cycle_world: World) -> None:
    bill_issue(
        cycle_world.account_c, period=OCT, total="800.00", due=DUE, tariff_code="GD-CI-TOU-1KV"
    )
    run(day(10))
    run(day(30))
    (notice,) = events(cycle_world.account_c, BillingEventKind.DISCONNECTION_NOTICE)
    assert notice.detail["planned_date"] == day(33).isoformat()


def test_no_notice_before_a_reminder_of_an_earlier_day(cycle_world: World) -> None:
    alice_bill(cycle_world)
    run(day(31))  # first run: the reminder only
    assert len(events(cycle_world.account_a, BillingEventKind.REMINDER)) == 1
    assert events(cycle_world.account_a, BillingEventKind.DISCONNECTION_NOTICE) == []
    run(day(32))
    (notice,) = events(cycle_world.account_a, BillingEventKind.DISCONNECTION_NOTICE)
    assert notice.detail["planned_date"] == day(39).isoformat()


def test_an_important_customer_is_noticed_and_listed_but_never_disconnected(
    cycle_world: World,
) -> None:
    Account.objects.filter(pk=cycle_world.account_a.pk).update(importance_level="level_1")
    alice_bill(cycle_world)
    for n in (1, 10, 30, 37, 38):
        summary = run(day(n))
    (notice,) = events(cycle_world.account_a, BillingEventKind.DISCONNECTION_NOTICE)
    assert notice.detail["report_to_authority"]
    assert events(cycle_world.account_a, BillingEventKind.DISCONNECT_REQUESTED) == []
    assert supply(cycle_world.account_a) == SupplyState.CONNECTED
    (held,) = disconnections_held(accounts=Account.objects.all())
    assert held.account == cycle_world.account_a
    assert held.kind == BillingEventKind.DISCONNECT_HELD
    assert summary.held_important == 0  # held once, on the planned date
    # Out of the reader's scope: not listed.
    assert disconnections_held(accounts=Account.objects.exclude(pk=cycle_world.account_a.pk)) == []


def test_a_partial_payment_neither_stops_the_disconnection_nor_reconnects(
    cycle_world: World,
) -> None:
    alice_bill(cycle_world)
    for n in (1, 10, 30):
        run(day(n))
    with on(day(33)):
        pay(cycle_world.account_a, "150.00", "P1")
    run(day(37))
    assert supply(cycle_world.account_a) == SupplyState.DISCONNECTION_REQUESTED
    with on(day(38)):
        pay(cycle_world.account_a, "100.00", "P2")
    assert events(cycle_world.account_a, BillingEventKind.RECONNECT_REQUESTED) == []
    assert supply(cycle_world.account_a) == SupplyState.DISCONNECTION_REQUESTED


def test_paying_the_principal_but_not_the_fee_does_not_reconnect(cycle_world: World) -> None:
    alice_bill(cycle_world)
    for n in (1, 10, 30, 37):
        run(day(n))
    with on(day(40)):
        pay(cycle_world.account_a, "300.00", "P1")
    # The fee of 40 days (¥12) was posted with the payment and is still owed.
    assert fees(cycle_world.account_a) == [D("-12.00")]
    assert events(cycle_world.account_a, BillingEventKind.RECONNECT_REQUESTED) == []
    with on(day(41)):
        pay(cycle_world.account_a, "12.00", "P2")
    (request,) = events(cycle_world.account_a, BillingEventKind.RECONNECT_REQUESTED)
    assert request.detail["day"] == day(41).isoformat()
    assert supply(cycle_world.account_a) == SupplyState.RECONNECTION_REQUESTED
    assert ledger_check(account=cycle_world.account_a)


@pytest.mark.parametrize("extra", ["0.00", "50.00"])
def test_paying_everything_owed_at_once_asks_for_the_supply_back(
    cycle_world: World, extra: str
) -> None:
    alice_bill(cycle_world)
    for n in (1, 10, 30, 37):
        run(day(n))
    owed = account_arrears(account=cycle_world.account_a, today=day(40)).total
    assert owed == D("312.00")
    with on(day(40)):
        pay(cycle_world.account_a, str(owed + D(extra)), "P1")
    assert len(events(cycle_world.account_a, BillingEventKind.RECONNECT_REQUESTED)) == 1
    assert BillingProfile.objects.get(account=cycle_world.account_a).balance == D(extra)


def test_paying_what_is_owed_with_a_newer_bill_not_yet_due_asks_for_the_supply_back(
    cycle_world: World,
) -> None:
    """Payments cover the oldest bill, then the next one — the late fee is posted after
    that, so the money meant for it sits on the bill not yet due. What is owed is judged on
    the ledger: everything but the bill not yet due is paid."""
    account = cycle_world.account_a
    alice_bill(cycle_world)
    for n in (1, 10, 30, 37):
        run(day(n))
    later = bill_issue(
        account, period=dt.date(2026, 11, 1), total="80.00", due=day(45), tariff_code="GZ-RES-TIER"
    )
    owed = account_arrears(account=account, today=day(40))
    assert (owed.overdue, owed.late_fee) == (D("300.00"), D("12.00"))
    with on(day(40)):
        pay(account, str(owed.total), "P1")
    assert len(events(account, BillingEventKind.RECONNECT_REQUESTED)) == 1
    assert BillingProfile.objects.get(account=account).balance == D("-80.00")
    later.refresh_from_db()
    assert later.paid == D("12.00")  # the fee's money, on the ledger it is the fee's
    assert account_arrears(account=account, today=day(40)).total == 0
    # Once the newer bill is due, the ledger's ¥80 is owed, and the bill's own ¥68 unpaid
    # accrues its late fee (below ¥1 after a day: shown as the minimum).
    assert account_arrears(account=account, today=day(46)).total == D("80.00") + D("1.00")
