"""The demo's billing story: every account has a tariff and 13 monthly bills.

- **Profiles**: the tariff follows the account's class (homes mostly on the tiered tariff,
  some on residential time-of-use, a quarter of homes prepaid; shops on C&I time-of-use;
  large industry on the two-part tariff by capacity or by contracted demand; farms on the
  agricultural rate), written in bulk with their tariff history.
- **Bills**: the last complete month is billed by the real run from the demo's meter
  readings; the twelve months before it by the same run from monthly totals derived from
  those readings (each meter's daily average and time-of-use split, scaled by the demo's
  seasonal curve), each run under the clock of its own billing day, so bills, events and
  ledger entries carry their real dates. Without readings (`--days 0`) a class default
  stands in for the daily average.
- **Payments**: history payments are written in bulk (demo/billing_payments.py).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from gridcare.billing.choices import BasicChargeMethod, PaymentMode, RunStatus
from gridcare.billing.models import Bill, BillingProfile, BillingRun, Tariff, TariffAssignment
from gridcare.billing.services.cycle import cycle_run
from gridcare.billing.services.run import billing_run
from gridcare.customers.models import Account, AccountMeter
from gridcare.demo.billing_payments import demo_payments_create
from gridcare.demo.billing_story import demo_disconnection_story, story_account
from gridcare.demo.orders_world import at_moment
from gridcare.demo.plan import LOCAL_TZ
from gridcare.demo.readings import season_factor
from gridcare.metering.billing_reads import MeterUsage, meter_usage

BATCH_SIZE = 2_000
#: The demo bills a year and the month before it (this month last year is compared).
BILLED_MONTHS = 13
#: Bills are issued on the 3rd of the following month, in the early morning.
BILLING_DAY = 3
BILLING_TIME = dt.time(2, 30)
PREPAID_SHARE = 0.25
#: The arrears story's account leaves its bills unpaid from this many months before the
#: newest (demo/billing_story.py).
STORY_MONTHS_BACK = 2
TOU_SHARE = 0.2
MANY_MEMBERS_SHARE = 0.05
#: kWh a day when the demo has no readings, and the time-of-use split of it.
DEFAULT_DAILY_KWH = {
    "residential": 7.0,
    "general_commercial": 70.0,
    "large_industrial": 3000.0,
    "agricultural": 25.0,
}
DEFAULT_SPLIT = {"sharp": 0.0, "peak": 0.3, "flat": 0.45, "valley": 0.25}
#: Peak demand over the month's average demand, for the synthetic two-part months.
PEAK_TO_AVERAGE = 1.7

Progress = Callable[[str, int, int], None]


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _months_back(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_days(month: dt.date) -> int:
    following = _months_back(month, -1)
    return (following - month).days


def last_billable_month(until: dt.date) -> dt.date:
    """The newest month that has ended by `until` (the demo's last day)."""
    following = until + dt.timedelta(days=1)
    return _months_back(_month_start(following), 1)


def billing_moment(month: dt.date, until: dt.date) -> dt.datetime:
    """When `month` is billed: the 3rd of the next month, early morning (Beijing), or the
    demo's last day if that comes first."""
    day = min(_months_back(month, -1).replace(day=BILLING_DAY), until)
    return dt.datetime.combine(day, BILLING_TIME, tzinfo=LOCAL_TZ)


@dataclass(frozen=True)
class ProfileChoice:
    tariff: str
    mode: str = PaymentMode.POSTPAID
    many_members: bool = False
    basic: str = BasicChargeMethod.NONE
    demand_kw: Decimal | None = None


def _profile_for(account: Account, rng: random.Random) -> ProfileChoice:
    if account.tariff_class == "large_industrial":
        if rng.random() < 0.4:
            demand = (account.contracted_capacity_kva * Decimal("0.6")).quantize(Decimal("1"))
            return ProfileChoice(
                "TWO-PART-35KV", basic=BasicChargeMethod.CONTRACT_DEMAND, demand_kw=demand
            )
        return ProfileChoice("TWO-PART-35KV", basic=BasicChargeMethod.CAPACITY)
    if account.tariff_class == "general_commercial":
        return ProfileChoice("GD-CI-TOU-1KV")
    if account.tariff_class == "agricultural":
        return ProfileChoice("GD-AGRI")
    tariff = "GZ-RES-TOU" if rng.random() < TOU_SHARE else "GZ-RES-TIER"
    mode = PaymentMode.PREPAID if rng.random() < PREPAID_SHARE else PaymentMode.POSTPAID
    return ProfileChoice(tariff, mode=mode, many_members=rng.random() < MANY_MEMBERS_SHARE)


def demo_billing_profiles_create(*, accounts: Sequence[Account], seed: int) -> int:
    """A billing profile and its first tariff assignment for every demo account."""
    rng = random.Random(f"{seed}:billing-profiles")
    tariffs = {t.code: t for t in Tariff.objects.all()}
    profiles, assignments = [], []
    for account in sorted(accounts, key=lambda a: a.number):
        choice = _profile_for(account, rng)
        tariff = tariffs[choice.tariff]
        profiles.append(
            BillingProfile(
                account=account,
                tariff=tariff,
                payment_mode=choice.mode,
                many_members=choice.many_members,
                basic_method=choice.basic,
                contracted_demand_kw=choice.demand_kw,
            )
        )
        assignments.append(
            TariffAssignment(account=account, tariff=tariff, since=account.opened_on)
        )
    BillingProfile.objects.bulk_create(profiles, batch_size=BATCH_SIZE)
    TariffAssignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE)
    return len(profiles)


@dataclass(frozen=True)
class MeterBase:
    """A meter's average day and its time-of-use split, from the readings (or a default)."""

    daily_kwh: float
    split: Mapping[str, float]
    peak_kw: float | None


def _bases(month: dt.date) -> dict[str, MeterBase]:
    """Each demo meter's average day in `month`, from the demo's readings."""
    last = _months_back(month, -1) - dt.timedelta(days=1)
    bases = {}
    for meter, usage in meter_usage(start=month, end=last).items():
        total = usage.total_kwh
        if usage.days == 0 or total <= 0:
            continue
        bases[meter] = MeterBase(
            daily_kwh=total / usage.days,
            split={bucket: kwh / total for bucket, kwh in usage.kwh.items()},
            peak_kw=usage.max_kw,
        )
    return bases


def _default_bases(seed: int) -> dict[str, MeterBase]:
    rows = AccountMeter.objects.values_list("meter__asset_number", "account__tariff_class")
    rng = random.Random(f"{seed}:billing-defaults")
    bases = {}
    for meter, tariff_class in sorted(rows):
        daily = DEFAULT_DAILY_KWH.get(tariff_class, 7.0) * rng.lognormvariate(0, 0.4)
        bases[meter] = MeterBase(daily, DEFAULT_SPLIT, daily / 24 * PEAK_TO_AVERAGE)
    return bases


def synthetic_usage(
    bases: Mapping[str, MeterBase], *, reference: dt.date, seed: int
) -> Callable[[dt.date, dt.date, Sequence[str] | None], dict[str, MeterUsage]]:
    """A usage source for the billing run: each meter's base day scaled by the season of
    each day relative to `reference` (the month the bases come from), with a little noise
    per meter and month; complete actual readings, no estimates, nothing suspect."""
    middle = reference + dt.timedelta(days=14)
    base_season = season_factor(middle)

    def read(
        start: dt.date, end: dt.date, meter_ids: Sequence[str] | None
    ) -> dict[str, MeterUsage]:
        days = (end - start).days + 1
        season = sum(season_factor(start + dt.timedelta(days=n)) for n in range(days)) / (
            days * base_season
        )
        wanted = bases.keys() if meter_ids is None else [m for m in meter_ids if m in bases]
        result = {}
        for meter in wanted:
            base = bases[meter]
            noise = random.Random(f"{seed}:{meter}:{start:%Y%m}").uniform(0.92, 1.08)
            total = base.daily_kwh * days * season * noise
            result[meter] = MeterUsage(
                meter_id=meter,
                kwh={bucket: round(total * share, 3) for bucket, share in base.split.items()},
                days=days,
                intervals=96 * days,
                expected_intervals=96 * days,
                estimated_intervals=0,
                estimated_kwh=0.0,
                suspect_intervals=0,
                suspect_kwh=0.0,
                max_kw=None if base.peak_kw is None else round(base.peak_kw * season * noise, 3),
                max_kw_at=None,
            )
        return result

    return read


def demo_bills_create(
    *,
    seed: int,
    until: dt.date,
    with_readings: bool,
    months: int = BILLED_MONTHS,
    progress: Progress | None = None,
) -> list[dt.date]:
    """Bill the `months` months ending with the last complete one that no earlier build
    billed, with their payments; returns the months billed."""
    last = last_billable_month(until)
    wanted = [_months_back(last, n) for n in range(months - 1, -1, -1)]
    bases = _bases(last) if with_readings else {}
    if not bases:
        bases = _default_bases(seed)
    history = synthetic_usage(bases, reference=last, seed=seed)
    story = story_account()
    story_from = _months_back(last, STORY_MONTHS_BACK)
    done = []
    for index, month in enumerate(wanted, start=1):
        if progress:
            progress("bills", index - 1, len(wanted))
        if BillingRun.objects.filter(period=month, status=RunStatus.DONE).exists():
            continue  # billed by an earlier `gridcare demo`
        real = month == last and with_readings
        with at_moment(billing_moment(month, until)):
            billing_run(period=month, usage=None if real else history)
            unpaid = frozenset({story.pk}) if story and month >= story_from else frozenset()
            demo_payments_create(month=month, newest=last, until=until, seed=seed, unpaid=unpaid)
        if story is not None and month == _months_back(last, 1) and months > STORY_MONTHS_BACK:
            # Between the last two runs: the story's days fall before the newest bill.
            demo_disconnection_story(account=story, first_unpaid=story_from)
        done.append(month)
    if done:
        # The demo's last day's cycle: the days' prepaid deductions since the newest bill,
        # reminders and notices for the arrears, low-balance notices.
        with at_moment(dt.datetime.combine(until, dt.time(1, 0), tzinfo=LOCAL_TZ)):
            cycle_run(today=until)
    if progress:
        progress("bills", len(wanted), len(wanted))
    return done


def demo_has_bills() -> bool:
    return Bill.objects.exists()
