"""Loads the demo's meter readings through the normal ingestion pipeline.

The readings (demo/readings.py) are written as long-format Parquet files, one per day, into
a temporary folder and imported like any head-end delivery, so the demo exercises the same
validation, storage and incremental aggregates as production. Loading is skipped when a
demo import has already succeeded (reruns change nothing).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
from django.conf import settings

from gridcare.demo.readings import DemoMeter, demo_days, demo_readings
from gridcare.grid.models import Meter
from gridcare.metering.choices import ImportSource, ImportStatus
from gridcare.metering.models import ImportBatch
from gridcare.metering.services import readings_import_files

Progress = Callable[[str, int, int], None]


def demo_readings_loaded() -> bool:
    return ImportBatch.objects.filter(
        source=ImportSource.DEMO, status=ImportStatus.SUCCEEDED
    ).exists()


def _demo_meters() -> tuple[list[DemoMeter], dict[str, float]]:
    rows = (
        Meter.objects.exclude(status="removed")
        .order_by("asset_number")
        .values_list(
            "asset_number",
            "transformer__code",
            "account_link__account__tariff_class",
            "is_transformer_total",
            "multiplier",
            "transformer__rated_kva",
        )
    )
    meters, rated = [], {}
    for asset, code, tariff, is_total, multiplier, kva in rows:
        meters.append(DemoMeter(asset, code, tariff or "residential", is_total, float(multiplier)))
        rated[code] = float(kva)
    return meters, rated


def demo_readings_load(*, seed: int, days: int, progress: Progress | None = None) -> ImportBatch:
    """Generate `days` days of readings for every meter and import them."""
    meters, rated = _demo_meters()
    calendar_days = demo_days(days=days)
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-readings-", dir=settings.DATA_DIR) as tmp:
        paths = []
        generated = demo_readings(meters, rated, seed=seed, days=calendar_days)
        for done, (day, table) in enumerate(generated, start=1):
            path = Path(tmp) / f"{day.isoformat()}.parquet"
            pq.write_table(table, path, compression="zstd")
            paths.append(path)
            if progress:
                progress("generate", done, len(calendar_days))
        return readings_import_files(
            actor=None, paths=paths, source=ImportSource.DEMO, progress=progress
        )
