"""The benchmark's grid: one feeder BENCH-F1 of 10 台区 with a terminal each and `meters`
meters in all, built once per database in bulk (services would take minutes for 5,000
meters and are not what is measured)."""

from __future__ import annotations

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit
from gridcare.core.services import org_unit_create
from gridcare.grid.models import Feeder, Meter, Terminal, Transformer
from gridcare.grid.services import feeder_create, substation_create, transformer_create
from gridcare.outages.engine.simulate import FeederLayout
from gridcare.outages.selectors.devices import feeder_layouts

AREAS = 10


def bench_feeder(*, meters: int) -> FeederLayout:
    feeder = Feeder.objects.filter(code="BENCH-F1").first() or _build_feeder()
    transformers = list(Transformer.objects.filter(feeder=feeder).order_by("code"))
    have = Meter.objects.filter(feeder=feeder).count()
    Meter.objects.bulk_create(
        [
            Meter(
                asset_number=f"BM{i:07d}",
                transformer=transformers[i % AREAS],
                feeder=feeder,
                substation_id=feeder.substation_id,
            )
            for i in range(have, meters)
        ],
        batch_size=2000,
    )
    layout = feeder_layouts(codes=["BENCH-F1"])[0]
    wanted = {f"BM{i:07d}" for i in range(meters)}
    trimmed = tuple(
        tr.__class__(tr.code, tr.terminals, tuple(m for m in tr.meters if m in wanted))
        for tr in layout.transformers
    )
    return FeederLayout(layout.code, trimmed)


def _build_feeder() -> Feeder:
    unit = OrgUnit.objects.filter(code="BENCH").first() or org_unit_create(
        actor=None, code="BENCH", name="基准测试供电局", kind=OrgUnitKind.BUREAU
    )
    station = substation_create(actor=None, code="BENCH-SUB", name="基准变电站", org_unit=unit)
    feeder = feeder_create(actor=None, substation=station, code="BENCH-F1", name="基准线")
    for n in range(AREAS):
        tr = transformer_create(
            actor=None,
            feeder=feeder,
            code=f"BENCH-TR{n:02d}",
            name=f"基准{n}号台区",
            rated_kva=400,
            area_class="urban",
            org_unit=unit,
        )
        Terminal.objects.create(code=f"BENCH-TM{n:02d}", transformer=tr)
    return feeder
