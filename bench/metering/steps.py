"""One benchmark step in this process: `run.py` starts one of these per step and reads its
result line, so every step has its own peak memory.

    .venv/bin/python -m bench.metering.steps --size S --impl duckdb --step tou_daily \\
        --store var/bench/metering/S/work/duckdb/store

Timing starts after the implementation's imports (interpreter start and `import pandas`
are not counted); it covers connecting, reading, computing and writing the output Parquet.
The peak memory is this process's own (`common.peak_rss_mb`), imports included. The engine
is whichever `gridcare` the interpreter imports: `run.py --src` puts another checkout's
`src/` first on `PYTHONPATH`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.metering.common import (
    SIZES,
    Context,
    NotAvailable,
    StepResult,
    dataset_for,
    peak_rss_mb,
)

MODULES = {
    "duckdb": "bench.metering.baselines_duckdb",
    "pandas": "bench.metering.baselines_pandas",
    "engine": "bench.metering.engine_steps",
}


def run(impl: str, step: str, ctx: Context) -> StepResult:
    """Import the implementation, then time `step`; never raises for a missing engine part."""
    try:
        module = importlib.import_module(MODULES[impl])
        started = time.perf_counter()
        rows, output_rows, extra = module.run_step(step, ctx)
    except NotAvailable as exc:
        return StepResult(available=False, note=str(exc))
    seconds = time.perf_counter() - started
    return StepResult(
        seconds=seconds, rows=rows, output_rows=output_rows, extra=extra, peak_mb=peak_rss_mb()
    )


def main() -> None:
    """Command line used by `run.py`: prints one result line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--impl", choices=sorted(MODULES), required=True)
    parser.add_argument("--step", required=True)
    parser.add_argument("--store", type=Path, required=True, help="readings store to aggregate")
    parser.add_argument("--work", default="", help="the implementation's folder (default: --impl)")
    args = parser.parse_args()
    size = SIZES[args.size]
    ds = dataset_for(size, args.out)
    ctx = Context(size=size, ds=ds, store=args.store, work=args.work or args.impl)
    print(run(args.impl, args.step, ctx).to_json(), flush=True)
    # Skip interpreter teardown: pyarrow's dataset-writer threads (pandas `partition_cols`)
    # can abort the process at exit ("terminate called without an active exception").
    os._exit(0)


if __name__ == "__main__":
    main()
