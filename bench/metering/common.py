"""Shared by every part of the metering benchmark: sizes, paths, the TOU hours, step results.

The data follow `gridcare.metering.engine.schema`: `ts` is the END of a 15-minute interval
in UTC, energy is kWh per interval before the meter multiplier, and a reading belongs to the
Beijing (UTC+8) calendar day of its interval START.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = REPO / "var" / "bench" / "metering"

INTERVALS_PER_DAY = 96
BEIJING = dt.timezone(dt.timedelta(hours=8))
FIRST_DAY = dt.date(2026, 7, 1)  # July: Guangdong's critical peak (尖峰) applies
METERS_PER_TRANSFORMER = 100  # 99 customer meters + 1 summary meter (台区总表)
SEED = 20260701


@dataclass(frozen=True)
class Size:
    """A benchmark size: `meters` includes one summary meter per transformer."""

    name: str
    meters: int
    days: int

    @property
    def transformers(self) -> int:
        """Number of transformers (台区): one per `METERS_PER_TRANSFORMER` meters."""
        return self.meters // METERS_PER_TRANSFORMER

    @property
    def readings(self) -> int:
        """Readings in the base period (meters × days × 96), before injected defects."""
        return self.meters * self.days * INTERVALS_PER_DAY


SIZES: dict[str, Size] = {
    "XS": Size("XS", 200, 4),
    "S": Size("S", 2_000, 30),
    "L": Size("L", 20_000, 30),
    # L's readings over ten times the meters: what a daily import costs where yesterday's
    # whole day is ten times L's (a prefecture), for the incremental steps.
    "W": Size("W", 200_000, 3),
}


def days_of(size: Size) -> list[dt.date]:
    """The Beijing days of the base period."""
    return [FIRST_DAY + dt.timedelta(days=i) for i in range(size.days)]


def increment_day(size: Size) -> dt.date:
    """The extra day added by the incremental step (not part of the base period)."""
    return FIRST_DAY + dt.timedelta(days=size.days)


# --- Guangdong commercial/industrial TOU (粤发改价格〔2021〕331号), Beijing minutes of day ---
VALLEY_MINUTES = ((0, 8 * 60),)
PEAK_MINUTES = ((10 * 60, 12 * 60), (14 * 60, 19 * 60))
CRITICAL_MINUTES = ((11 * 60, 12 * 60), (15 * 60, 17 * 60))  # carved out of peak
CRITICAL_MONTHS = (7, 8, 9)
PERIODS = ("critical", "peak", "flat", "valley")


@dataclass(frozen=True)
class Dataset:
    """Where one size's generated files and step outputs live (all under `root`)."""

    root: Path

    @property
    def csv_dir(self) -> Path:
        """Base-period CSV files, one per Beijing day: `meter,ts,kwh`."""
        return self.root / "csv"

    @property
    def increment_dir(self) -> Path:
        """The one extra day's CSV, for the incremental step."""
        return self.root / "csv-increment"

    @property
    def meters_parquet(self) -> Path:
        """Meters dimension: meter_id, transformer_id, multiplier, is_total."""
        return self.root / "meters.parquet"

    @property
    def transformers_parquet(self) -> Path:
        """Transformers dimension: transformer_id, rated_kva."""
        return self.root / "transformers.parquet"

    @property
    def manifest(self) -> Path:
        """JSON description of what was generated (sizes, injected defects, seconds)."""
        return self.root / "manifest.json"

    def csv_files(self) -> list[Path]:
        """The base-period CSV files in day order."""
        return sorted(self.csv_dir.glob("*.csv"))

    def increment_files(self) -> list[Path]:
        """The incremental day's CSV file(s)."""
        return sorted(self.increment_dir.glob("*.csv"))

    def work(self, impl: str) -> Path:
        """Scratch directory of one implementation (its store and its outputs)."""
        return self.root / "work" / impl

    def load_manifest(self) -> dict[str, Any]:
        """The generator's manifest, or an empty dict before generation."""
        if not self.manifest.exists():
            return {}
        return json.loads(self.manifest.read_text())


def dataset_for(size: Size, out: Path | None) -> Dataset:
    """The dataset directory of a size: `--out` if given, else var/bench/metering/<size>."""
    return Dataset((out or DEFAULT_ROOT) / size.name)


def readings_glob(store: Path) -> str:
    """Glob of every readings Parquet file of a store laid out as readings/day=…/*.parquet."""
    return str(store / "readings" / "day=*" / "*.parquet")


@dataclass
class StepResult:
    """What one step reports back to `run.py` (as one JSON line on stdout).

    `seconds` is wall time of the work only (imports and interpreter start excluded);
    `rows` is the number of readings the step processed (for rows/s); `available` is False
    when the implementation does not exist (yet), with the reason in `note`. `peak_mb` is
    the step process's own peak resident memory (`peak_rss_mb`), 0 if it did not say.
    """

    seconds: float = 0.0
    rows: int = 0
    output_rows: int = 0
    available: bool = True
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    peak_mb: float = 0.0

    def to_json(self) -> str:
        """One line of JSON, prefixed so `run.py` can find it among other output."""
        return RESULT_PREFIX + json.dumps(asdict(self))

    @classmethod
    def from_output(cls, stdout: str) -> StepResult | None:
        """The result line of a child's stdout, or None if it printed none."""
        for line in reversed(stdout.splitlines()):
            if line.startswith(RESULT_PREFIX):
                return cls(**json.loads(line[len(RESULT_PREFIX) :]))
        return None


RESULT_PREFIX = "@@bench-result "

AGGREGATES = ("tou_daily", "transformer_load", "profiles", "quality")


class NotAvailable(Exception):
    """The implementation cannot run this step (e.g. an engine module is not written yet)."""


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB since it started its program.

    Linux's `VmHWM` belongs to the address space, which `exec` replaces, so it counts this
    program only. `ru_maxrss` does not: the kernel carries the parent's peak over `fork` and
    `exec`, so every child of a 470 MB runner would report at least 470 MB.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # not Linux: the best there is, with the caveat above

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Context:
    """Everything a step needs: the size, its files, the readings store to aggregate, and
    `work`, the name of the implementation's own folder (`engine`, or `before` for the
    engine of another checkout measured beside it)."""

    size: Size
    ds: Dataset
    store: Path
    work: str = ""

    @property
    def days(self) -> list[dt.date]:
        """The base period (Beijing days)."""
        return days_of(self.size)

    def own_store(self, impl: str) -> Path:
        """The store an implementation's ingest step writes (emptied by `run.py` first)."""
        return self.ds.work(impl) / "store"

    def out_dir(self, impl: str) -> Path:
        """Where an implementation writes its aggregate outputs."""
        path = self.ds.work(impl) / "out"
        path.mkdir(parents=True, exist_ok=True)
        return path
