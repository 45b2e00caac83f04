"""Does the engine ever publish a wrong day file? The same import, repeated, checked from
outside.

    .venv/bin/python -m bench.metering.verify_writes --size L --runs 10

Imports the size's CSV files `--runs` times, each into a fresh store, through the public
`ingest_files` (`engine_steps.ingest`). After each import every published day file is
checked as a reader sees it: no meter id outside the dimension or empty, every quality
`A`, `E` or `S`, no empty batch id, no missing time; and compared row by row with the same
day of the first run (the import is deterministic, so any difference is a file written
wrongly in one of the two). Differing files are kept under the work folder `verify/`.

DuckDB 2.0.0 wrote about one in 250 day files from ENUM columns wrongly (a spike's quality
as `''`); the engine of that time read every file back and wrote a wrong one again
(bench/README.md, History). This script checks the result, whatever the engine does about
it: the number that must stay 0 is "wrong".
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console

from bench.metering import engine_steps
from bench.metering.common import SIZES, Context, dataset_for
from bench.metering.generate import ensure


@dataclass
class Tally:
    files: int = 0
    invalid: int = 0  # a value no correct file holds
    differing: int = 0  # not the same rows as the first run's file of that day

    @property
    def wrong(self) -> int:
        return self.invalid + self.differing


def _invalid(con: duckdb.DuckDBPyConnection, file: Path, meters: Path) -> int:
    """Rows of `file` that no correct day file holds."""
    row = con.execute(
        f"SELECT count(*) FROM read_parquet('{file}', hive_partitioning = false) r"
        f" LEFT JOIN read_parquet('{meters}') m USING (meter_id)"
        " WHERE m.meter_id IS NULL OR r.quality NOT IN ('A', 'E', 'S')"
        " OR coalesce(r.batch_id, '') = '' OR r.ts IS NULL"
    ).fetchone()
    return int(row[0]) if row else 0


def _differences(con: duckdb.DuckDBPyConnection, file: Path, reference: Path) -> int:
    """Rows in one file and not the other, both ways (as multisets)."""
    one = f"SELECT * FROM read_parquet('{file}', hive_partitioning = false)"
    other = f"SELECT * FROM read_parquet('{reference}', hive_partitioning = false)"
    total = 0
    for left, right in ((one, other), (other, one)):
        row = con.execute(f"SELECT count(*) FROM (({left}) EXCEPT ALL ({right}))").fetchone()
        total += int(row[0]) if row else 0
    return total


def check_store(store: Path, reference: Path, meters: Path, keep: Path, tally: Tally) -> None:
    """Check every day file of `store`; compare it with `reference`'s (if that exists)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for file in sorted(store.glob("readings/day=*/*.parquet")):
        tally.files += 1
        twin = reference / file.relative_to(store)
        invalid = _invalid(con, file, meters) > 0
        differing = twin.is_file() and _differences(con, file, twin) > 0
        tally.invalid += invalid
        tally.differing += differing
        if invalid or differing:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(file, keep / f"{file.parent.name}-{tally.files}.parquet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="S", choices=sorted(SIZES))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    ds = dataset_for(size, None)
    console = Console()
    ensure(size, ds, console)
    ctx = Context(size, ds, ds.work("engine") / "store")
    work = ds.work("verify")
    shutil.rmtree(work, ignore_errors=True)
    reference = work / "first"
    tally = Tally()
    for run in range(args.runs):
        store = reference if run == 0 else work / "store"
        shutil.rmtree(store, ignore_errors=True)
        engine_steps.ingest(ctx, ds.csv_files(), store, "verify")
        check_store(store, reference, ds.meters_parquet, work / "wrong", tally)
        console.print(
            f"run {run + 1}/{args.runs}: {tally.files} day files checked,"
            f" {tally.invalid} with invalid values, {tally.differing} differing from the"
            f" first run's, [bold]{tally.wrong} wrong[/bold]"
        )
    shutil.rmtree(work / "store", ignore_errors=True)
    return 1 if tally.wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
