"""Prepaid (费控) accounts: the daily estimated deduction, low-balance notices, and the
disconnection request when the balance stays negative past the grace days
(docs/architecture.md "Billing: arrears and prepaid").

- `prepaid_deduct(day=)`: each active prepaid account whose meters have the day's readings
  complete gets one DEDUCTION (−, key `deduct:<account>:<day>`): the marginal cost of the
  day's kWh in the month so far (engine/estimate.py). An account whose readings are not in
  yet is left for a later run (the cycle catches up `BILLING_PREPAID_CATCHUP_DAYS` days),
  unless the month's bill is out by then. The monthly bill settles the estimates
  (DEDUCTION_SETTLED, services/bills.py).
- `prepaid_watch(today=)`: per threshold of `BILLING_LOW_BALANCE_THRESHOLDS` the balance is
  below, one notice per crossing (the ledger entry that took the balance below it names the
  crossing: key `lowbal:<account>:<threshold>:<seq>`), one message for the lowest threshold
  newly crossed; a balance negative for more than `BILLING_PREPAID_GRACE_DAYS` since the
  entry that made it negative asks for disconnection (once per crossing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gridcare.billing.choices import BillingEventKind, BillStatus, LedgerKind, PaymentMode
from gridcare.billing.engine.estimate import day_cost
from gridcare.billing.engine.money import ZERO, kwh
from gridcare.billing.engine.tariff import BUCKETS, Context, TariffSpec, parse_spec
from gridcare.billing.models import (
    Bill,
    BillingProfile,
    LedgerEntry,
    TariffAssignment,
    TariffVersion,
)
from gridcare.billing.notice_templates import BALANCE_NEGATIVE, LOW_BALANCE
from gridcare.billing.services.ledger import ledger_post
from gridcare.billing.services.supply import (
    chinese_date,
    disconnect_request,
    event_record,
    notice_send,
    profile_lock,
    yuan,
)
from gridcare.customers.choices import AccountStatus
from gridcare.customers.models import AccountMeter
from gridcare.metering.billing_reads import meter_usage

CHUNK = 2000
ONE_DAY = dt.timedelta(days=1)
#: Above this many meters a day is read whole (`meter_ids=None`): a list of 100,000 ids in
#: one query costs more than reading the day's partition (the run's rule, run_usage.py).
METER_LIST_LIMIT = 1000


@dataclass(frozen=True)
class MeterUse:
    """A meter's kWh per TOU bucket over a span (actual + estimated readings), and whether
    every expected interval of the span is there."""

    kwh: Mapping[str, Decimal]
    complete: bool = True


class UsageReader(Protocol):
    def __call__(
        self, *, start: dt.date, end: dt.date, meter_ids: Sequence[str] | None
    ) -> Mapping[str, MeterUse]: ...


def usage_read(
    *, start: dt.date, end: dt.date, meter_ids: Sequence[str] | None
) -> dict[str, MeterUse]:
    """The one place the estimate reads meter data: metering.billing_reads.meter_usage (by
    meter asset number; kWh of actual and estimated readings). A span is complete when its
    readings, suspect ones not counted, cover `BILLING_MIN_COVERAGE` of the expected
    intervals (the run's rule for billing on what a meter has)."""
    found = meter_usage(
        start=start, end=end, meter_ids=None if meter_ids is None else list(meter_ids)
    )
    coverage = settings.BILLING_MIN_COVERAGE
    return {
        meter: MeterUse(
            kwh={bucket: Decimal(str(value)) for bucket, value in usage.kwh.items()},
            complete=usage.intervals - usage.suspect_intervals
            >= coverage * usage.expected_intervals,
        )
        for meter, usage in found.items()
    }


@dataclass
class PrepaidTally:
    deducted: int = 0
    deducted_amount: Decimal = ZERO
    waiting_for_readings: int = 0
    low_balance: int = 0
    disconnect_requests: int = 0
    held: int = 0


# --- The daily deduction ---


def prepaid_deduct(
    *, day: dt.date, reader: UsageReader = usage_read, tally: PrepaidTally | None = None
) -> PrepaidTally:
    """Post `day`'s estimated deduction on every prepaid account not yet charged for it:
    the accounts to charge first (in chunks), then one read of the day and one of the
    month before it for all their meters, then the postings (in chunks)."""
    tally = tally or PrepaidTally()
    profiles = (
        BillingProfile.objects.filter(
            payment_mode=PaymentMode.PREPAID,
            account__status=AccountStatus.ACTIVE,
            account__opened_on__lte=day,
        )
        .select_related("account")
        .order_by("account_id")
    )
    todo: list[BillingProfile] = []
    meters: dict[int, list[str]] = {}
    for chunk in _chunks(profiles.iterator(chunk_size=CHUNK)):
        due = _not_charged(chunk, day)
        todo += due
        meters.update(_meters([p.account_id for p in due]))
    ids = sorted({m for own in meters.values() for m in own})
    if not ids:
        return tally
    wanted = None if len(ids) > METER_LIST_LIMIT else ids
    month = day.replace(day=1)
    on_day = reader(start=day, end=day, meter_ids=wanted)
    before = reader(start=month, end=day - ONE_DAY, meter_ids=wanted) if day > month else {}
    for chunk in _chunks(iter(todo)):
        _deduct_chunk(chunk, day, meters, on_day, before, reader, tally)
    return tally


def deduct_key(number: str, day: dt.date) -> str:
    return f"deduct:{number}:{day.isoformat()}"


def _chunks(rows: Iterator[BillingProfile]) -> Iterator[list[BillingProfile]]:
    batch: list[BillingProfile] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _not_charged(profiles: list[BillingProfile], day: dt.date) -> list[BillingProfile]:
    """The profiles without `day`'s deduction, whose month is not billed yet (a month whose
    bill is out is settled: readings of its days that came later stay with it)."""
    keys = {deduct_key(p.account.number, day): p for p in profiles}
    done = set(LedgerEntry.objects.filter(key__in=keys).values_list("key", flat=True))
    billed = set(
        Bill.objects.filter(
            account_id__in=[p.account_id for p in profiles], period=day.replace(day=1)
        )
        .exclude(status=BillStatus.CANCELLED)
        .values_list("account_id", flat=True)
    )
    return [p for key, p in keys.items() if key not in done and p.account_id not in billed]


def _deduct_chunk(
    todo: list[BillingProfile],
    day: dt.date,
    meters: Mapping[int, list[str]],
    on_day: Mapping[str, MeterUse],
    before: Mapping[str, MeterUse],
    reader: UsageReader,
    tally: PrepaidTally,
) -> None:
    specs = _Specs(day, [p.account_id for p in todo])
    year_to_date = _year_to_date(todo, meters, specs, reader, day)
    for profile in todo:
        own = meters.get(profile.account_id, [])
        uses = [on_day.get(m) for m in own]
        if not own or any(u is None or not u.complete for u in uses):
            tally.waiting_for_readings += 1
            continue
        spec = specs.spec(profile)
        if spec is None:
            continue
        cost = day_cost(
            spec=spec,
            day=day,
            before=_sum(before.get(m) for m in own),
            today=_sum(uses),
            context=Context(
                many_members=profile.many_members,
                year_to_date_kwh=year_to_date.get(profile.account_id, ZERO),
            ),
        )
        if cost <= 0:
            continue
        kwh_day = sum(_sum(uses).values(), ZERO)
        _, created = ledger_post(
            account=profile.account,
            kind=LedgerKind.DEDUCTION,
            amount=-cost,
            key=deduct_key(profile.account.number, day),
            memo=f"{day.isoformat()} {kwh(kwh_day)} kWh 预估扣费",
        )
        if created:
            tally.deducted += 1
            tally.deducted_amount += cost


def _meters(account_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    rows = AccountMeter.objects.filter(account_id__in=account_ids).values_list(
        "account_id", "meter__asset_number"
    )
    for account_id, asset in rows:
        found[account_id].append(asset)
    return found


def _sum(uses: Iterable[MeterUse | None]) -> dict[str, Decimal]:
    totals = dict.fromkeys(BUCKETS, ZERO)
    for use in uses:
        if use is None:
            continue
        for bucket, value in use.kwh.items():
            totals[bucket] = totals.get(bucket, ZERO) + value
    return totals


class _Specs:
    """The tariff in force for each account on `day` (its assignment history, else the
    profile's tariff) and that tariff's version on the day, parsed once per version."""

    def __init__(self, day: dt.date, account_ids: list[int]) -> None:
        self.day = day
        self.assigned: dict[int, int] = {}
        history = TariffAssignment.objects.filter(account_id__in=account_ids, since__lte=day)
        for account_id, tariff_id in history.order_by("account_id", "since").values_list(
            "account_id", "tariff_id"
        ):
            self.assigned[account_id] = tariff_id  # the latest one since ≤ day wins
        self.parsed: dict[int, TariffSpec | None] = {}

    def spec(self, profile: BillingProfile) -> TariffSpec | None:
        tariff_id = self.assigned.get(profile.account_id, profile.tariff_id)
        if tariff_id not in self.parsed:
            version = (
                TariffVersion.objects.filter(tariff_id=tariff_id, effective_from__lte=self.day)
                .exclude(effective_to__lt=self.day)
                .order_by("-effective_from")
                .first()
            )
            self.parsed[tariff_id] = parse_spec(version.spec) if version else None
        return self.parsed[tariff_id]


def _year_to_date(
    profiles: list[BillingProfile],
    meters: Mapping[int, list[str]],
    specs: _Specs,
    reader: UsageReader,
    day: dt.date,
) -> dict[int, Decimal]:
    """kWh of the year before `day`'s month, for accounts on an annual ladder only."""
    annual = [
        p
        for p in profiles
        if (spec := specs.spec(p)) is not None and spec.ladder and spec.ladder.basis == "annual"
    ]
    month = day.replace(day=1)
    if not annual or month.month == 1:
        return {}
    ids = sorted({m for p in annual for m in meters.get(p.account_id, [])})
    wanted = None if len(ids) > METER_LIST_LIMIT else ids
    uses = reader(start=month.replace(month=1), end=month - ONE_DAY, meter_ids=wanted)
    return {
        p.account_id: sum(_sum(uses.get(m) for m in meters.get(p.account_id, [])).values(), ZERO)
        for p in annual
    }


# --- Low balance and the grace days ---


def thresholds() -> tuple[Decimal, ...]:
    return tuple(sorted(settings.BILLING_LOW_BALANCE_THRESHOLDS))


def accounts_to_watch() -> list[int]:
    """Prepaid accounts below the highest threshold (or negative)."""
    top = max((*thresholds(), ZERO))
    return list(
        BillingProfile.objects.filter(payment_mode=PaymentMode.PREPAID, balance__lt=top)
        .order_by("account_id")
        .values_list("account_id", flat=True)
    )


def prepaid_watch(*, today: dt.date, tally: PrepaidTally | None = None) -> PrepaidTally:
    tally = tally or PrepaidTally()
    for account_id in accounts_to_watch():
        prepaid_watch_account(account_id=account_id, today=today, tally=tally)
    return tally


@transaction.atomic
def prepaid_watch_account(*, account_id: int, today: dt.date, tally: PrepaidTally) -> None:
    profile = profile_lock(account_id=account_id)
    if profile.payment_mode != PaymentMode.PREPAID:
        return
    below = [t for t in thresholds() if profile.balance < t]
    if profile.balance < 0 and ZERO not in below:
        below.append(ZERO)  # the grace days count from the crossing of zero
    if not below:
        return
    runs = _crossings(account_id, below)
    _low_balance(profile, runs, today, tally)
    if profile.balance < 0:
        _grace(profile, runs[ZERO], today, tally)


def _crossings(account_id: int, below: list[Decimal]) -> dict[Decimal, tuple[int, dt.datetime]]:
    """For each threshold the balance is below now, the ledger entry that took it below
    (seq, at): the first of the latest run of entries under it. Before any entry the
    balance was zero."""
    found: dict[Decimal, tuple[int, dt.datetime]] = {}
    remaining = set(below)
    newer: tuple[int, dt.datetime] | None = None
    entries = LedgerEntry.objects.filter(account_id=account_id).order_by("-seq")
    for seq, balance, at in entries.values_list("seq", "balance_after", "at").iterator():
        for threshold in [t for t in remaining if balance >= t]:
            found[threshold] = newer or (seq, at)
            remaining.discard(threshold)
        if not remaining:
            return found
        newer = (seq, at)
    for threshold in remaining:  # below it since the account's first entry (or none)
        found[threshold] = newer or (0, timezone.now())
    return found


def _low_balance(
    profile: BillingProfile,
    runs: dict[Decimal, tuple[int, dt.datetime]],
    today: dt.date,
    tally: PrepaidTally,
) -> None:
    account = profile.account
    configured = thresholds()
    fresh = []
    for threshold in sorted(t for t in runs if t in configured):
        seq, _ = runs[threshold]
        _, created = event_record(
            account=account,
            kind=BillingEventKind.LOW_BALANCE,
            key=f"lowbal:{account.number}:{threshold}:{seq}",
            detail={
                "threshold": str(threshold),
                "balance": str(profile.balance),
                "day": today.isoformat(),
            },
        )
        if created:
            fresh.append(threshold)
    if not fresh:
        return
    lowest = fresh[0]  # one message, for the lowest threshold newly crossed
    tally.low_balance += 1
    key = f"billing:lowbal:{account.number}:{lowest}:{runs[lowest][0]}"
    if lowest <= 0:
        context: dict[str, Any] = {
            "owed": yuan(-profile.balance),
            "grace_until": chinese_date(_grace_until(runs[lowest][1])),
        }
        notice_send(account=account, template=BALANCE_NEGATIVE, key=key, context=context)
    else:
        context = {"balance": yuan(profile.balance), "threshold": yuan(lowest)}
        notice_send(account=account, template=LOW_BALANCE, key=key, context=context)


def _grace_until(negative_at: dt.datetime) -> dt.date:
    return timezone.localdate(negative_at) + dt.timedelta(days=settings.BILLING_PREPAID_GRACE_DAYS)


def _grace(
    profile: BillingProfile, crossing: tuple[int, dt.datetime], today: dt.date, tally: PrepaidTally
) -> None:
    seq, at = crossing
    if today <= _grace_until(at):
        return
    outcome, _ = disconnect_request(
        profile=profile,
        key=f"disconnect:{profile.account.number}:neg{seq}",
        detail={
            "reason": "prepaid_negative",
            "day": today.isoformat(),
            "negative_since": timezone.localdate(at).isoformat(),
            "amount": str(-profile.balance),
        },
    )
    tally.disconnect_requests += outcome == "requested"
    tally.held += outcome == "held"
