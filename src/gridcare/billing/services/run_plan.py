"""What a billing run bills: each account's month cut into periods, loaded in a few queries.

A month is split where the price can change (docs/architecture.md "Billing: runs and
bills"):

- the account opened mid-month: billing starts on `Account.opened_on`;
- a re-tariff (`TariffAssignment.since` inside the month): the tariff in force on a day
  is the newest assignment on or before it; days before the first assignment are billed
  on the first one's tariff, an account with no assignment on its profile's tariff;
- a new tariff version (`effective_from` / `effective_to` inside the month).

Days no version covers are a gap: the account is held (TARIFF_GAP), never billed on a
guess. Accounts have no closing date yet (customers keeps only the status), so a closed
account's last month is pro-rated by none; see `run_drafts` for how it is billed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from gridcare.billing.choices import BillStatus
from gridcare.billing.engine.money import ZERO, kwh
from gridcare.billing.engine.tariff import Context, TariffSpec, month_days, parse_spec
from gridcare.billing.models import Bill, BillingProfile, Tariff, TariffAssignment
from gridcare.billing.services.tariffs import versions_in_force
from gridcare.customers.choices import AccountStatus
from gridcare.customers.models import Account, AccountMeter

ONE_DAY = dt.timedelta(days=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=month_days(month))


@dataclass(frozen=True)
class Version:
    id: int
    tariff_code: str
    start: dt.date
    end: dt.date | None  # inclusive; None: open-ended
    spec: TariffSpec


@dataclass(frozen=True)
class Segment:
    """Days of the month under one tariff version."""

    start: dt.date
    end: dt.date  # inclusive
    version: Version


@dataclass(frozen=True)
class Gap:
    tariff_code: str
    start: dt.date
    end: dt.date


@dataclass
class AccountPlan:
    """One account's month: who it is, how it is billed, its meters and periods."""

    account_id: int
    number: str
    status: str
    capacity_kva: Decimal
    payment_mode: str
    many_members: bool
    basic_method: str
    contracted_demand_kw: Decimal | None
    meters: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    year_to_date_kwh: Decimal = ZERO

    @property
    def closed(self) -> bool:
        return self.status == AccountStatus.CLOSED

    def context(self) -> Context:
        return Context(
            capacity_kva=self.capacity_kva,
            basic_method=self.basic_method,
            contracted_demand_kw=self.contracted_demand_kw,
            many_members=self.many_members,
            year_to_date_kwh=self.year_to_date_kwh,
        )


@dataclass
class Plans:
    month: dt.date
    plans: list[AccountPlan]
    no_tariff: list[tuple[int, str]]  # active accounts without a billing profile


def versions_by_tariff(month: dt.date) -> dict[int, list[Version]]:
    """Each tariff's versions in force during the month, parsed once."""
    end = month_end(month)
    result: dict[int, list[Version]] = {}
    for tariff in Tariff.objects.all():
        result[tariff.pk] = [
            Version(v.pk, tariff.code, v.effective_from, v.effective_to, parse_spec(v.spec))
            for v in versions_in_force(tariff=tariff, start=month, end=end)
        ]
    return result


def tariff_spans(
    start: dt.date, end: dt.date, changes: Sequence[tuple[dt.date, int]], fallback: int
) -> list[tuple[dt.date, dt.date, int]]:
    """[start, end] cut at the tariff assignments `changes` ((since, tariff), by since)."""
    if not changes:
        return [(start, end, fallback)]
    current = changes[0][1]
    cuts: list[tuple[dt.date, int]] = []
    for since, tariff in changes:
        if since <= start:
            current = tariff
        elif since <= end:
            cuts.append((since, tariff))
    spans = []
    cursor = start
    for since, tariff in cuts:
        if tariff != current:
            spans.append((cursor, since - ONE_DAY, current))
            cursor, current = since, tariff
    spans.append((cursor, end, current))
    return spans


def version_segments(
    start: dt.date, end: dt.date, versions: Iterable[Version], tariff_code: str
) -> tuple[list[Segment], list[Gap]]:
    """[start, end] under the tariff's versions (oldest first); uncovered days are gaps."""
    segments: list[Segment] = []
    gaps: list[Gap] = []
    cursor = start
    for version in versions:
        low = max(version.start, cursor)
        high = min(version.end or end, end)
        if high < low:
            continue
        if low > cursor:
            gaps.append(Gap(tariff_code, cursor, low - ONE_DAY))
        segments.append(Segment(low, high, version))
        cursor = high + ONE_DAY
    if cursor <= end:
        gaps.append(Gap(tariff_code, cursor, end))
    return segments, gaps


def plans_load(*, month: dt.date, account_ids: Sequence[int] | None = None) -> Plans:
    """Every account (or those of `account_ids`) open by the month's end, in a few queries."""
    end = month_end(month)
    accounts = Account.objects.filter(opened_on__lte=end).order_by("number")
    profiles = BillingProfile.objects.all()
    assignments = TariffAssignment.objects.filter(since__lte=end)
    links = AccountMeter.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=account_ids)
        profiles = profiles.filter(account_id__in=account_ids)
        assignments = assignments.filter(account_id__in=account_ids)
        links = links.filter(account_id__in=account_ids)
    by_account = {
        p[0]: p
        for p in profiles.values_list(
            "account_id",
            "tariff_id",
            "payment_mode",
            "many_members",
            "basic_method",
            "contracted_demand_kw",
        )
    }
    changes: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for account_id, since, tariff_id in assignments.order_by("since").values_list(
        "account_id", "since", "tariff_id"
    ):
        changes[account_id].append((since, tariff_id))
    meters: dict[int, list[str]] = defaultdict(list)
    for account_id, asset in links.values_list("account_id", "meter__asset_number"):
        meters[account_id].append(asset)
    versions = versions_by_tariff(month)
    codes = dict(Tariff.objects.values_list("pk", "code"))
    plans: list[AccountPlan] = []
    no_tariff: list[tuple[int, str]] = []
    # Most accounts share their spans (the whole month on one tariff): cut each once.
    cut: dict[tuple[dt.date, dt.date, int], tuple[list[Segment], list[Gap]]] = {}
    for account_id, number, status, opened_on, capacity in accounts.values_list(
        "pk", "number", "status", "opened_on", "contracted_capacity_kva"
    ):
        profile = by_account.get(account_id)
        if profile is None:
            if status == AccountStatus.ACTIVE:
                no_tariff.append((account_id, number))
            continue
        _, tariff_id, mode, many, method, demand = profile
        plan = AccountPlan(account_id, number, status, capacity, mode, many, method or "", demand)
        plan.meters = sorted(meters.get(account_id, []))
        start = max(month, opened_on)
        for span in tariff_spans(start, end, changes.get(account_id, []), tariff_id):
            if span not in cut:
                low, high, tariff = span
                cut[span] = version_segments(low, high, versions.get(tariff, []), codes[tariff])
            segments, gaps = cut[span]
            plan.segments.extend(segments)
            plan.gaps.extend(gaps)
        plans.append(plan)
    _year_to_date(plans, month)
    return Plans(month=month, plans=plans, no_tariff=no_tariff)


def _year_to_date(plans: Sequence[AccountPlan], month: dt.date) -> None:
    """kWh billed earlier this year, for accounts on an annual ladder (one query)."""
    annual = {
        p.account_id: p
        for p in plans
        if any(
            s.version.spec.ladder and s.version.spec.ladder.basis == "annual" for s in p.segments
        )
    }
    if not annual or month.month == 1:
        return
    rows = (
        Bill.objects.filter(
            account_id__in=list(annual),
            period__gte=month.replace(month=1),
            period__lt=month,
        )
        .exclude(status=BillStatus.CANCELLED)
        .values("account_id")
        .annotate(kwh=Sum("energy_kwh"))
    )
    for row in rows:
        # SQLite sums decimals without their scale: the same figure on both databases.
        annual[row["account_id"]].year_to_date_kwh = kwh(row["kwh"] or ZERO)


def ranges_wanted(plans: Iterable[AccountPlan]) -> Mapping[tuple[dt.date, dt.date], set[str]]:
    """The meters each distinct period needs usage for."""
    wanted: dict[tuple[dt.date, dt.date], set[str]] = defaultdict(set)
    for plan in plans:
        for segment in plan.segments:
            wanted[(segment.start, segment.end)].update(plan.meters)
    return wanted
