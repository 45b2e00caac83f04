"""Detection benchmark (issue 26 target: a feeder trip of 5,000 power_off events — the
outage open with the right scope within 2 s of the last event, every affected customer's
message queued within 5 s).

    GRIDCARE_DATABASE_URL=postgresql://…/<empty database> \
        .venv/bin/python -m bench.outages.detect [--meters 5000] [--per-area 200] [--batch 2000]

It migrates the database, builds one feeder with `--meters` metered accounts in 台区 of
`--per-area` (bulk inserts), then stores the trip's power_off events as ingest does — in
batches of `--batch`, event rows once plus the meters' supply state — and calls
`pipeline.after_ingest` after each batch, timing each call. Reported: the time of each
detection run, the time from the last batch stored to the outage open with every 台区 in its
scope, the notifications queued, and the repair order. Ingest's own throughput is
bench/outages/ingest.py's.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any


def build(meters: int, per_area: int) -> tuple[list[Any], list[Any]]:
    """Org units, one feeder, its 台区 (with a team serving the station) and accounts."""
    from gridcare.core.choices import OrgUnitKind
    from gridcare.core.services import org_unit_create
    from gridcare.customers.models import Account, AccountMeter, Customer, Premise
    from gridcare.grid.models import Meter
    from gridcare.grid.services import feeder_create, substation_create, transformer_create

    bureau = org_unit_create(actor=None, code="OB", name="基准供电局", kind=OrgUnitKind.BUREAU)
    station = org_unit_create(
        actor=None, code="OS", name="基准供电所", kind=OrgUnitKind.STATION, parent=bureau
    )
    org_unit_create(actor=None, code="OT", name="基准抢修班", kind=OrgUnitKind.TEAM, parent=station)
    sub = substation_create(actor=None, code="OSUB", name="基准站", org_unit=bureau)
    feeder = feeder_create(actor=None, substation=sub, code="OF", name="10kV 基准线")
    areas = [
        transformer_create(
            actor=None,
            feeder=feeder,
            code=f"OT{i:04d}",
            name=f"基准台区{i}",
            rated_kva=630,
            area_class="urban",
            org_unit=station,
        )
        for i in range((meters + per_area - 1) // per_area)
    ]
    customers = Customer.objects.bulk_create(
        Customer(kind="person", name=f"客户{i}", mobile=f"139{i:08d}") for i in range(meters)
    )
    premise = Premise.objects.create(
        province="广东省", city="广州市", district="天河区", street="街道", detail="1号"
    )
    rows = Meter.objects.bulk_create(
        Meter(
            asset_number=f"OM{i:07d}",
            transformer=areas[i // per_area],
            feeder=feeder,
            substation=sub,
        )
        for i in range(meters)
    )
    accounts = Account.objects.bulk_create(
        Account(
            number=f"{3300000000000 + i}",
            customer=customers[i],
            premise=premise,
            supply_unit=station,
            registered_mobile=customers[i].mobile,
            tariff_class="residential",
            contracted_capacity_kva=8,
        )
        for i in range(meters)
    )
    AccountMeter.objects.bulk_create(
        AccountMeter(account=a, meter=m) for a, m in zip(accounts, rows, strict=True)
    )
    return areas, rows


def store(batch: list[Any], start: datetime, rng: random.Random) -> set[int]:
    """The batch's power_off events and the meters' supply state, as ingest writes them."""
    from gridcare.outages.models import MeterPowerState, PowerEvent

    events = []
    states = []
    for meter in batch:
        at = start + timedelta(milliseconds=rng.randint(0, 3000))
        events.append(
            PowerEvent(
                device_kind="meter",
                device_id=meter.asset_number,
                kind="power_off",
                device_time=at,
                source="simulator",
                meter=meter,
                transformer_id=meter.transformer_id,
                feeder_id=meter.feeder_id,
            )
        )
        states.append(
            MeterPowerState(
                meter=meter,
                transformer_id=meter.transformer_id,
                feeder_id=meter.feeder_id,
                is_off=True,
                changed_at=at,
            )
        )
    PowerEvent.objects.bulk_create(events, ignore_conflicts=True)
    MeterPowerState.objects.bulk_create(states, ignore_conflicts=True)
    return {m.transformer_id for m in batch}


def _since_batch(committed: list[float], stored_at: list[float]) -> float | None:
    """Seconds from the batch that opened the outage being stored to its commit."""
    if not committed:
        return None
    batch = max(t for t in stored_at if t <= committed[0])
    return round(committed[0] - batch, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=5000)
    parser.add_argument("--per-area", type=int, default=200)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import transaction

    from gridcare.notify.models import Notification
    from gridcare.outages.models import Outage
    from gridcare.outages.services.pipeline import after_ingest
    from gridcare.outages.signals import unplanned_outage_opened

    committed: list[float] = []

    def _visible(sender: Any, **kwargs: Any) -> None:
        # The outage is visible to every other session when detection's transaction commits.
        transaction.on_commit(lambda: committed.append(time.perf_counter()))

    unplanned_outage_opened.connect(_visible, weak=False)

    started = time.perf_counter()
    areas, meters = build(args.meters, args.per_area)
    setup = time.perf_counter() - started
    rng = random.Random(26)
    rng.shuffle(meters)  # events of all 台区 interleaved, as a trip's arrive
    lost = set(rng.sample(range(len(meters)), len(meters) // 200))  # 0.5 % never arrive
    arriving = [m for i, m in enumerate(meters) if i not in lost]
    trip = datetime.now(UTC) - timedelta(seconds=5)
    runs = []
    stored_at: list[float] = []
    last_stored = 0.0
    for i in range(0, len(arriving), args.batch):
        with transaction.atomic():
            touched = store(arriving[i : i + args.batch], trip, rng)
        last_stored = time.perf_counter()
        stored_at.append(last_stored)
        after_ingest(transformer_ids=touched)
        runs.append(round(time.perf_counter() - last_stored, 3))
    opened_in = time.perf_counter() - last_stored
    outage = Outage.objects.get(kind="unplanned", state="active", level="feeder")
    queued = Notification.objects.filter(template__code="outages.detected").count()
    print(
        json.dumps(
            {
                "meters": args.meters,
                "areas": len(areas),
                "events": len(arriving),
                "batch": args.batch,
                "setup_s": round(setup, 1),
                "detect_runs_s": runs,
                "last_batch_to_run_done_s": round(opened_in, 3),
                "outage_committed_after_its_batch_s": _since_batch(committed, stored_at),
                "outage_level": outage.level,
                "scope_areas": outage.scope_items.count(),
                "affected": outage.affected_count,
                "notifications_queued": queued,
                "repair_order": outage.repair_order_number,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
