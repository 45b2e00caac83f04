"""The billing benchmark's world: N accounts with meters and billing profiles, written with
bulk inserts, and a month of determinants as `daily_tou` partitions (the documented schema,
`metering.engine.schema.aggregate_columns`) written directly with pyarrow.

The mix (deterministic by seed): 70 % GZ-RES-TIER post-paid, 15 % GZ-RES-TOU prepaid,
10 % GD-CI-TOU-1KV, 5 % TWO-PART-35KV by maximum demand; 1 % opened mid-month, 0.5 %
re-tariffed mid-month, 2 % with estimated readings; held: 0.3 % suspect readings, 0.3 %
meters with no data, 0.1 % accounts without a meter.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

BATCH = 5000
BUCKETS = ("sharp", "peak", "flat", "valley")
MIX = (
    ("GZ-RES-TIER", "postpaid", "", 0.70),
    ("GZ-RES-TOU", "prepaid", "", 0.15),
    ("GD-CI-TOU-1KV", "postpaid", "", 0.10),
    ("TWO-PART-35KV", "postpaid", "demand", 0.05),
)
METERS_PER_TRANSFORMER = 400


@dataclass
class Plan:
    """What was built: meter ids and the special cases."""

    month: dt.date
    meters: list[str] = field(default_factory=list)  # per account, "" without a meter
    demand: set[str] = field(default_factory=set)
    suspect: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)
    estimated: set[str] = field(default_factory=set)


def _tariff_choice(rng: random.Random) -> tuple[str, str, str]:
    roll = rng.random()
    for code, mode, method, share in MIX:
        if roll < share:
            return code, mode, method
        roll -= share
    return MIX[0][:3]


def accounts_build(*, count: int, month: dt.date, seed: int = 2026) -> Plan:
    """Grid, customers, accounts, meters and billing profiles, by bulk inserts."""
    from gridcare.billing.models import BillingProfile, Tariff, TariffAssignment
    from gridcare.core.choices import OrgUnitKind
    from gridcare.core.services import org_unit_create
    from gridcare.customers.models import Account, AccountMeter, Customer, Premise
    from gridcare.grid.models import Meter
    from gridcare.grid.services import feeder_create, substation_create, transformer_create

    rng = random.Random(seed)
    plan = Plan(month=month)
    bureau = org_unit_create(actor=None, code="BB", name="基准供电局", kind=OrgUnitKind.BUREAU)
    station = org_unit_create(
        actor=None, code="BS", name="基准供电所", kind=OrgUnitKind.STATION, parent=bureau
    )
    sub = substation_create(actor=None, code="BSUB", name="基准站", org_unit=bureau)
    feeder = feeder_create(actor=None, substation=sub, code="BF", name="基准线")
    transformers = [
        transformer_create(
            actor=None,
            feeder=feeder,
            code=f"BT{i:04d}",
            name=f"基准台区{i}",
            rated_kva=630,
            area_class="urban",
            org_unit=station,
        )
        for i in range(count // METERS_PER_TRANSFORMER + 1)
    ]
    customers = Customer.objects.bulk_create(
        [
            Customer(kind="person", name=f"客户{i}", mobile=f"139{i:08d}")
            for i in range(count // 10 + 1)
        ],
        batch_size=BATCH,
    )
    premises = Premise.objects.bulk_create(
        [
            Premise(
                province="广东省", city="广州市", district="天河区", street="街道", detail=f"{i}号"
            )
            for i in range(count // 10 + 1)
        ],
        batch_size=BATCH,
    )
    tariffs = dict(Tariff.objects.values_list("code", "pk"))
    accounts = []
    meters = []
    profiles = []
    opened = []
    for i in range(count):
        opened_on = dt.date(2020, 1, 1)
        if rng.random() < 0.01:
            opened_on = month.replace(day=rng.randint(2, 28))
        opened.append(opened_on)
        code, mode, method = _tariff_choice(rng)
        accounts.append(
            Account(
                number=f"{3200000000000 + i}",
                customer=customers[i // 10],
                premise=premises[i // 10],
                supply_unit=station,
                registered_mobile=customers[i // 10].mobile,
                tariff_class="residential" if code.startswith("GZ") else "general_commercial",
                contracted_capacity_kva=Decimal("8.0") if code.startswith("GZ") else Decimal("400"),
                opened_on=opened_on,
            )
        )
        profiles.append((code, mode, method))
        asset = "" if rng.random() < 0.001 else f"BM{i:07d}"
        plan.meters.append(asset)
        if asset:
            t = transformers[i // METERS_PER_TRANSFORMER]
            meters.append(
                Meter(
                    asset_number=asset,
                    transformer=t,
                    feeder_id=t.feeder_id,
                    substation_id=sub.pk,
                )
            )
            if method == "demand":
                plan.demand.add(asset)
            roll = rng.random()
            if roll < 0.003:
                plan.suspect.add(asset)
            elif roll < 0.006:
                plan.silent.add(asset)
            elif roll < 0.026:
                plan.estimated.add(asset)
    accounts = Account.objects.bulk_create(accounts, batch_size=BATCH)
    by_asset = {m.asset_number: m for m in Meter.objects.bulk_create(meters, batch_size=BATCH)}
    AccountMeter.objects.bulk_create(
        [
            AccountMeter(account=a, meter=by_asset[asset], since=opened[i])
            for i, (a, asset) in enumerate(zip(accounts, plan.meters, strict=True))
            if asset
        ],
        batch_size=BATCH,
    )
    BillingProfile.objects.bulk_create(
        [
            BillingProfile(
                account=a, tariff_id=tariffs[code], payment_mode=mode, basic_method=method
            )
            for a, (code, mode, method) in zip(accounts, profiles, strict=True)
        ],
        batch_size=BATCH,
    )
    assignments = [
        TariffAssignment(account=a, tariff_id=tariffs[code], since=opened[i])
        for i, (a, (code, _, _)) in enumerate(zip(accounts, profiles, strict=True))
    ]
    for i, (code, _, _) in enumerate(profiles):
        if code == "GZ-RES-TIER" and opened[i] < month and rng.random() < 0.007:
            # Re-tariffed on the 16th to residential time-of-use.
            assignments.append(
                TariffAssignment(
                    account=accounts[i],
                    tariff_id=tariffs["GZ-RES-TOU"],
                    since=month.replace(day=16),
                )
            )
    TariffAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    return plan


def _monthly_write(root: Path, month: dt.date, columns: list[tuple[str, str]]) -> None:
    """The month's `monthly` partition from its days, as the refresh derives it (billing
    reads a whole month from it: metering.billing_reads)."""
    import duckdb

    from gridcare.metering.engine import schema

    sums = [
        f"sum({name}) AS {name}"
        for name, _ in columns
        if name not in (schema.METER_ID, schema.DAY, schema.MAX_KW, schema.MAX_KW_AT)
    ]
    folder = root / "agg" / "monthly" / f"{schema.MONTH}={month.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    days = root / "agg" / "daily_tou" / "*" / "data.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT {schema.METER_ID}, count(*) AS days, {', '.join(sums)}, "
        f"max({schema.MAX_KW}) AS {schema.MAX_KW}, min({schema.MAX_KW_AT}) AS {schema.MAX_KW_AT} "
        f"FROM read_parquet('{days}') GROUP BY {schema.METER_ID}) "
        f"TO '{folder / 'data.parquet'}' (FORMAT parquet)"
    )


def determinants_write(*, root: Path, plan: Plan, seed: int = 2026) -> int:
    """`<root>/agg/daily_tou/day=…/data.parquet` for every day of the month; returns rows."""
    from gridcare.metering.engine import schema

    rng = random.Random(seed + 1)
    month = plan.month
    days = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - month
    meters = [m for m in plan.meters if m and m not in plan.silent]
    daily = {m: rng.uniform(3, 25) * (40 if m in plan.demand else 1) for m in meters}
    columns = list(schema.aggregate_columns("daily_tou", BUCKETS))
    # What billing_reads sums beside the energy, until the aggregate declares it itself.
    for extra in (
        (schema.ESTIMATED_INTERVALS, "int64"),
        (schema.ESTIMATED_KWH, "float64"),
        (schema.MAX_KW, "float64"),
        (schema.MAX_KW_AT, "timestamp"),
    ):
        if extra[0] not in dict(columns):
            columns.append(extra)
    rows = 0
    for offset in range(days.days):
        day = month + dt.timedelta(days=offset)
        values: dict[str, list[object]] = {name: [] for name, _ in columns if name != schema.DAY}
        noon = dt.datetime.combine(day, dt.time(4, 15), tzinfo=dt.UTC)
        for meter in meters:
            kwh = daily[meter] * rng.uniform(0.8, 1.2)
            split = (0.05 * kwh, 0.30 * kwh, 0.40 * kwh, 0.25 * kwh)
            estimated = 6 if meter in plan.estimated and offset == 3 else 0
            suspect = 2 if meter in plan.suspect and offset == 10 else 0
            row = {
                schema.METER_ID: meter,
                schema.KWH: kwh,
                **{f"{schema.KWH}_{b}": v for b, v in zip(BUCKETS, split, strict=True)},
                schema.INTERVALS: 96,
                schema.ESTIMATED_INTERVALS: estimated,
                schema.ESTIMATED_KWH: kwh * estimated / 96,
                schema.SUSPECT_INTERVALS: suspect,
                schema.SUSPECT_KWH: 3.5 * suspect,
                schema.MAX_KW: kwh / 24 * 2.5,
                schema.MAX_KW_AT: noon,
            }
            for name in values:
                values[name].append(row.get(name, 0))
        table = pa.table(
            {name: pa.array(values[name], _arrow(kind)) for name, kind in columns if name in values}
        )
        folder = root / "agg" / "daily_tou" / f"{schema.DAY}={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "data.parquet")
        rows += table.num_rows
    _monthly_write(root, month, columns)
    return rows


def _arrow(kind: str) -> pa.DataType:
    return {
        "string": pa.string(),
        "float64": pa.float64(),
        "int64": pa.int64(),
        "date": pa.date32(),
    }.get(kind, pa.timestamp("us", tz="UTC"))
