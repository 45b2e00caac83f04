"""Loads the demo's meter readings through the normal ingestion pipeline.

The readings (demo/readings.py) are written as long-format Parquet files, one per day, into
a temporary folder and imported like any head-end delivery, so the demo exercises the same
validation, storage and incremental aggregates as production.

What is loaded: the `days` days up to `until` (yesterday, unless the command is told
otherwise) for every meter, and the same calendar month one year earlier for the 台区 on
the feeder that supplies the demo customer's accounts, so the portal's 去年同月 and the
console's 台区 pages of that month have real figures without doubling the build time. Days a demo import already stored are skipped, so a rerun on a
later day adds only the days since (each day's values depend only on seed and day).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from django.conf import settings

from gridcare.customers.models import Account
from gridcare.demo.plan import DEMO_CUSTOMER_MOBILE
from gridcare.demo.readings import DemoMeter, demo_days, demo_readings, same_month_last_year
from gridcare.grid.models import Meter
from gridcare.metering.choices import ImportSource, ImportStatus
from gridcare.metering.models import ImportBatch
from gridcare.metering.services import readings_import_files

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReadingDays:
    """The days a demo import should hold: recent ones for every meter, last year's month
    for the meters of the 台区 in `last_year_transformers`."""

    recent: list[dt.date]
    last_year: list[dt.date]
    last_year_transformers: set[str]

    def without(self, stored: set[dt.date]) -> ReadingDays:
        return ReadingDays(
            recent=[d for d in self.recent if d not in stored],
            last_year=[d for d in self.last_year if d not in stored],
            last_year_transformers=self.last_year_transformers,
        )

    def __len__(self) -> int:
        return len(self.recent) + len(self.last_year)


def demo_reading_days_stored() -> set[dt.date]:
    """Days that succeeded demo imports stored (from their reports)."""
    batches = ImportBatch.objects.filter(source=ImportSource.DEMO, status=ImportStatus.SUCCEEDED)
    return {
        dt.date.fromisoformat(day)
        for report in batches.values_list("report", flat=True)
        for day in (report or {}).get("days", [])
    }


def demo_reading_days(*, until: dt.date, days: int) -> ReadingDays:
    """What a demo ending on `until` with `days` recent days holds (none when `days` is 0)."""
    if days <= 0:
        return ReadingDays([], [], set())
    demo_accounts = Account.objects.filter(registered_mobile=DEMO_CUSTOMER_MOBILE)
    feeders = Meter.objects.filter(account_link__account__in=demo_accounts).values("feeder")
    on_those_feeders = Meter.objects.filter(feeder__in=feeders)
    return ReadingDays(
        recent=demo_days(until=until, days=days),
        last_year=same_month_last_year(until),
        last_year_transformers=set(on_those_feeders.values_list("transformer__code", flat=True)),
    )


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


def demo_readings_load(
    *, seed: int, wanted: ReadingDays, progress: Progress | None = None
) -> ImportBatch:
    """Generate the `wanted` days' readings and import them as one batch."""
    meters, rated = _demo_meters()
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-readings-", dir=settings.DATA_DIR) as tmp:
        paths: list[Path] = []
        # Oldest first, as a head-end would have delivered them.
        generated = [
            demo_readings(
                meters,
                rated,
                seed=seed,
                days=wanted.last_year,
                transformers=wanted.last_year_transformers,
            ),
            demo_readings(meters, rated, seed=seed, days=wanted.recent),
        ]
        for tables in generated:
            for day, table in tables:
                path = Path(tmp) / f"{day.isoformat()}.parquet"
                pq.write_table(table, path, compression="zstd")
                paths.append(path)
                if progress:
                    progress("generate", len(paths), len(wanted))
        return readings_import_files(
            actor=None, paths=paths, source=ImportSource.DEMO, progress=progress
        )
