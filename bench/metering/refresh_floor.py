"""How low can a one-day refresh go? The refresh of the extra day as the engine runs it,
and without yesterday, against the full refresh, all through public entry points.

    .venv/bin/python -m bench.metering.refresh_floor --size L --repeat 7

Prepares once (kept under the work folder `floor/`): the base period imported and
materialised, then the extra day imported; the aggregates and pending marks as they stand
then (the store's `agg/` and `pending/` folders) are kept aside and put back before every
timed refresh. Every refresh runs in this process through `engine_steps.refresh`, that is
`materialize.refresh` as `gridcare meter import` calls it.

| variant        | what it refreshes                                                          |
| -------------- | -------------------------------------------------------------------------- |
| engine         | what the extra day's import reported: its days, with its additions          |
| new day alone  | the new day only: its import's pending mark is not put back, so yesterday's |
|                | added estimates are left out (wrong aggregates: a floor, not a result)      |

Prints the median seconds of each and its share of the full refresh (every base day in
one refresh, the median of `--full-repeat` runs), with the machine. The variants that took
work out by patching the engine's private functions (no flush of the month profile's
arrays, `monthly` of the touched days only) are gone: the bench measures only what the
engine's public names do (bench/README.md, History). Another checkout's engine:
`PYTHONPATH=<checkout>/src` in front of the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console
from rich.table import Table

from bench.metering import engine_steps
from bench.metering.common import SIZES, Context, dataset_for
from bench.metering.generate import ensure

KEPT = ("agg", "pending")  # what a refresh changes, put back before each timed one
PREPARED = "prepared.json"


def _refresh(
    ctx: Context, store: Path, days: list[dt.date], additions: dict[dt.date, str]
) -> float:
    started = time.perf_counter()
    engine_steps.refresh(ctx, days, additions, root=store)
    return time.perf_counter() - started


def _prepare(ctx: Context, work: Path, console: Console) -> dict[str, Any]:
    """The store with the base period materialised and the extra day imported, once."""
    marker = work / PREPARED
    if marker.is_file():
        return dict(json.loads(marker.read_text(encoding="utf-8")))
    shutil.rmtree(work, ignore_errors=True)
    store = work / "store"
    console.print("preparing: base import, full refresh, extra day's import")
    engine_steps.ingest(ctx, ctx.ds.csv_files(), store, engine_steps.BATCH_ID)
    _refresh(ctx, store, ctx.days, {})
    report = engine_steps.ingest(
        ctx, ctx.ds.increment_files(), store, engine_steps.INCREMENT_BATCH_ID
    )
    for name in KEPT:
        if (store / name).is_dir():
            shutil.copytree(store / name, work / f"kept-{name}")
    prepared = {k: report[k] for k in ("batch_id", "days", "added_only")}
    marker.write_text(json.dumps(prepared, default=str), encoding="utf-8")
    return prepared


def _put_back(work: Path, *, keep_pending: bool = True) -> None:
    store = work / "store"
    for name in KEPT:
        shutil.rmtree(store / name, ignore_errors=True)
        if (work / f"kept-{name}").is_dir() and (name != "pending" or keep_pending):
            shutil.copytree(work / f"kept-{name}", store / name)


VARIANTS = ("engine", "new day alone")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="L", choices=sorted(SIZES))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--full-repeat", type=int, default=3)
    args = parser.parse_args(argv)
    console = Console()
    size = SIZES[args.size]
    ds = dataset_for(size, None)
    ensure(size, ds, console)
    ctx = Context(size, ds, ds.work("engine") / "store")
    work = ds.work("floor")
    days, additions = engine_steps.touched(_prepare(ctx, work, console))
    store = work / "store"
    full = []
    for _ in range(args.full_repeat):
        _put_back(work)
        full.append(_refresh(ctx, store, ctx.days, {}))
    full_median = statistics.median(full)
    table = Table(title=f"One-day refresh at {size.name} against the full refresh")
    for column in ("variant", "median s", "min s", "share of full"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    table.add_row("full refresh", f"{full_median:.3f}", f"{min(full):.3f}", "100 %")
    for name in VARIANTS:
        seconds = []
        alone = name == "new day alone"
        for _ in range(args.repeat):
            _put_back(work, keep_pending=not alone)
            if alone:
                seconds.append(_refresh(ctx, store, [max(days)], {}))
            else:
                seconds.append(_refresh(ctx, store, days, additions))
        median = statistics.median(seconds)
        table.add_row(name, f"{median:.3f}", f"{min(seconds):.3f}", f"{median / full_median:.1%}")
    console.print(table)
    console.print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}; {args.repeat} runs a variant,"
        f" {args.full_repeat} full refreshes; {dt.datetime.now():%Y-%m-%d %H:%M}"
    )
    _put_back(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
