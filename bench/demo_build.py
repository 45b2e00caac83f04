"""Benchmark: how long `gridcare demo --no-serve` takes on a fresh SQLite file, per size.

Target (foundation issue): the default demo (~12,000 accounts) builds in under 60 s.
Each size runs in a new temporary GRIDCARE_DATA_DIR, so migrations, collectstatic and the
data build are all included, exactly as a newcomer's first `make demo` pays them.

    .venv/bin/python bench/demo_build.py [--sizes small,1,2]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

GRIDCARE = Path(sys.executable).with_name("gridcare")
TARGET_SECONDS = 60.0


def build_once(size: str) -> tuple[float, int]:
    """Seconds for one cold build and the number of accounts it reported."""
    with tempfile.TemporaryDirectory(prefix="gridcare-bench-") as data_dir:
        env = {**os.environ, "GRIDCARE_DATA_DIR": data_dir, "COLUMNS": "200"}
        started = time.perf_counter()
        result = subprocess.run(
            [str(GRIDCARE), "demo", "--no-serve", "--size", size],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - started
    match = re.search(r"accounts \(户号\)\s*│\s*([\d,]+)", result.stdout)
    return elapsed, int(match.group(1).replace(",", "")) if match else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,1,2")
    args = parser.parse_args()
    console = Console()
    table = Table(title=f"gridcare demo, cold build ({platform.node()}, {os.cpu_count()} cores)")
    for column in ("size", "accounts", "seconds", "accounts/s", "target 60 s"):
        table.add_column(column, justify="right")
    for size in args.sizes.split(","):
        with console.status(f"building size {size}…"):
            seconds, accounts = build_once(size)
        verdict = "-" if size != "1" else ("met" if seconds < TARGET_SECONDS else "MISSED")
        ratio = f"{seconds / TARGET_SECONDS:.2f}× of target"
        table.add_row(
            size,
            f"{accounts:,}",
            f"{seconds:.1f}",
            f"{accounts / seconds:,.0f}",
            f"{verdict} ({ratio})",
        )
    console.print(table)


if __name__ == "__main__":
    main()
