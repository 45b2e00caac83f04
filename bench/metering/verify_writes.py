"""How often DuckDB writes a day file wrongly, and whether the read-back catches every case.

    .venv/bin/python -m bench.metering.verify_writes --size L --runs 10

Imports the size's CSV files `--runs` times into a fresh store each time. Every day file
written from ENUM columns (`io.write_day_checked` with a fallback) is also compared row by
row with the same rows written as plain VARCHAR (the fallback query), whatever the
read-back (`io.bad_readings`) says; a file that differs is kept under the work folder with
its VARCHAR twin. Then the import goes on as usual (it writes the day again and checks it).
Prints, per run: day files compared, caught by the read-back, differing in the full
comparison, and differing but not caught (the number that must stay 0).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console

from bench.metering import engine_steps
from bench.metering.common import SIZES, Context, dataset_for
from bench.metering.generate import ensure
from gridcare.metering.engine import io, merge
from gridcare.metering.engine.io import sql_str


@dataclass
class Tally:
    compared: int = 0
    caught: int = 0
    differing: int = 0
    missed: int = 0


def _differences(con: Any, written: Path, plain: str) -> int:
    file = f"SELECT * FROM read_parquet({sql_str(written)}, hive_partitioning = false)"
    one = con.execute(f"SELECT count(*) FROM (({file}) EXCEPT ALL ({plain}))").fetchone()[0]
    other = con.execute(f"SELECT count(*) FROM (({plain}) EXCEPT ALL ({file}))").fetchone()[0]
    return int(one) + int(other)


def _checking(tally: Tally, keep: Path) -> Any:
    original = io.write_day_checked

    def write_day_checked(
        tx: Any, con: Any, query: str, dest: Path, *, fallback: str | None
    ) -> None:
        if fallback is not None:
            tx.write_parquet(con, query, dest)
            written = tx.temp_path(dest)
            caught = io.bad_readings(con, written) > 0
            differing = _differences(con, written, fallback) > 0
            tally.compared += 1
            tally.caught += caught
            tally.differing += differing
            tally.missed += differing and not caught
            if differing:
                name = f"{dest.parent.name}-{tally.compared}"
                shutil.copy(written, keep / f"{name}.enum.parquet")
                con.execute(f"COPY ({fallback}) TO {sql_str(keep / f'{name}.varchar.parquet')}")
        return original(tx, con, query, dest, fallback=fallback)

    return write_day_checked


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
    keep = work / "differing"
    keep.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    merge.write_day_checked = _checking(tally, keep)
    for run in range(args.runs):
        store = work / "store"
        shutil.rmtree(store, ignore_errors=True)
        engine_steps.ingest(ctx, ds.csv_files(), store, "verify")
        console.print(
            f"run {run + 1}/{args.runs}: {tally.compared} day files compared,"
            f" {tally.caught} caught by the read-back, {tally.differing} differing,"
            f" [bold]{tally.missed} differing but not caught[/bold]"
        )
    shutil.rmtree(work / "store", ignore_errors=True)
    return 1 if tally.missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
