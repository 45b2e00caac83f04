"""The outage benchmarks' world: one substation, the feeder that trips (台区 × meters, one
account and one customer per meter, each with a mobile so every customer can be told) and a
quiet neighbour feeder, written with bulk inserts. Terminals: one per 台区."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

BATCH = 5000


@dataclass
class StormWorld:
    feeder_code: str
    transformer_codes: list[str] = field(default_factory=list)
    meters: list[str] = field(default_factory=list)  # asset numbers on the tripping feeder
    terminals: list[str] = field(default_factory=list)
    quiet_meters: list[str] = field(default_factory=list)


def storm_world_build(*, meters: int = 5000, per_transformer: int = 200) -> StormWorld:
    from gridcare.core.choices import OrgUnitKind
    from gridcare.core.services import org_unit_create
    from gridcare.customers.models import Account, AccountMeter, Customer, Premise
    from gridcare.grid.models import Meter, Terminal, Transformer
    from gridcare.grid.services import feeder_create, substation_create

    bureau = org_unit_create(actor=None, code="OB", name="停电基准供电局", kind=OrgUnitKind.BUREAU)
    station = org_unit_create(
        actor=None, code="OS", name="停电基准供电所", kind=OrgUnitKind.STATION, parent=bureau
    )
    sub = substation_create(actor=None, code="OSUB", name="110kV 基准站", org_unit=bureau)
    trip = feeder_create(actor=None, substation=sub, code="OF1", name="10kV 跳闸线")
    quiet = feeder_create(actor=None, substation=sub, code="OF2", name="10kV 平安线")
    world = StormWorld(feeder_code=trip.code)
    count = -(-meters // per_transformer)
    transformers = Transformer.objects.bulk_create(
        [
            Transformer(
                feeder=feeder,
                code=f"{prefix}{i:03d}",
                name=f"{feeder.name[5:]}{i}号台区",
                rated_kva=630,
                area_class="urban",
                org_unit=station,
            )
            for feeder, prefix, n in ((trip, "OT", count), (quiet, "OQ", 2))
            for i in range(n)
        ]
    )
    tripping = [t for t in transformers if t.feeder_id == trip.pk]
    world.transformer_codes = [t.code for t in tripping]
    Terminal.objects.bulk_create(
        [Terminal(code=f"TM-{t.code}", transformer=t) for t in transformers]
    )
    world.terminals = [f"TM-{t.code}" for t in tripping]
    plan: list[tuple[str, Transformer]] = [
        (f"OM{i:06d}", tripping[i // per_transformer]) for i in range(meters)
    ]
    plan += [(f"OQ{i:06d}", transformers[-1 - i % 2]) for i in range(100)]
    world.meters = [asset for asset, _ in plan[:meters]]
    world.quiet_meters = [asset for asset, _ in plan[meters:]]
    customers = Customer.objects.bulk_create(
        [
            Customer(kind="person", name=f"停电客户{i}", mobile=f"137{i:08d}")
            for i in range(len(plan))
        ],
        batch_size=BATCH,
    )
    premises = Premise.objects.bulk_create(
        [
            Premise(
                province="广东省",
                city="广州市",
                district="天河区",
                street="基准街",
                detail=f"{i}号",
            )
            for i in range(len(plan))
        ],
        batch_size=BATCH,
    )
    accounts = Account.objects.bulk_create(
        [
            Account(
                number=f"{3300000000000 + i}",
                customer=customers[i],
                premise=premises[i],
                supply_unit=station,
                registered_mobile=customers[i].mobile,
                tariff_class="residential",
                contracted_capacity_kva=Decimal("8.0"),
            )
            for i in range(len(plan))
        ],
        batch_size=BATCH,
    )
    created = Meter.objects.bulk_create(
        [
            Meter(asset_number=asset, transformer=t, feeder_id=t.feeder_id, substation_id=sub.pk)
            for asset, t in plan
        ],
        batch_size=BATCH,
    )
    AccountMeter.objects.bulk_create(
        [AccountMeter(account=a, meter=m) for a, m in zip(accounts, created, strict=True)],
        batch_size=BATCH,
    )
    return world
