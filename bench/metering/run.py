"""Benchmark: GridCare's metering engine against hand-written DuckDB SQL and pandas, one run.

    .venv/bin/python -m bench.metering.run --size S
    .venv/bin/python -m bench.metering.run --size L --before /work/wt/before   # side by side

Generates the size if missing, then runs every step in a fresh subprocess whose own peak
memory is reported (`common.peak_rss_mb`), in this order: ingestion (DuckDB COPY, engine
with full validation and reject report, pandas), each of the four core aggregates and all
four in one process (DuckDB SQL, engine, pandas) on the same Parquet store, the engine's
full materialisation, the incremental day (its import, then the refresh of the days that
import reported, each in its own process), and both imports again the way `gridcare meter
import` runs them, ingest and refresh in one process (`import_cli`, `increment_import`).

The engine measured is this checkout's, or another's with `--src` (its `src/` goes first on
the steps' `PYTHONPATH`). `--before CHECKOUT` also measures a second engine, step by step
right before this one on the same machine and data, with its own store; the summary then
shows both columns. Prints the tables (`report.py`) and writes them as Markdown to
var/bench/metering-<size>.md, the raw results to var/bench/metering-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.metering import check, report
from bench.metering.common import (
    AGGREGATES,
    DEFAULT_ROOT,
    REPO,
    SIZES,
    Dataset,
    Size,
    StepResult,
    dataset_for,
)
from bench.metering.generate import ensure
from bench.metering.report import ENGINE_ONLY, IMPL_LABELS, STEP_LABELS, Row

IMPLS = ("duckdb", "before", "engine", "pandas")  # run order within a step
BASELINES = ("duckdb", "pandas")
ONCE = ("increment_ingest", "increment_refresh", "increment_import")
FRESH_STORE = ("ingest", "import_cli")  # start from an empty store
MB = 1024 * 1024


@dataclass(frozen=True)
class Engine:
    """Where an engine comes from: its `src/` folder and the interpreter that runs it."""

    src: Path
    python: str

    def env(self) -> dict[str, str]:
        """The step process's environment: this engine's sources first on the path."""
        path = os.pathsep.join(filter(None, [str(self.src), os.environ.get("PYTHONPATH")]))
        return {**os.environ, "PYTHONPATH": path}

    def imported_from(self) -> str:
        """Where `gridcare` comes from in a step process (checks the path really works)."""
        command = [
            self.python,
            "-c",
            "import gridcare, os; print(os.path.dirname(gridcare.__file__))",
        ]
        done = subprocess.run(command, cwd=REPO, env=self.env(), capture_output=True, text=True)
        return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def source_dir(path: Path) -> Path:
    """A checkout's `src/` (or `path` itself if it holds `gridcare/`)."""
    for candidate in (path / "src", path):
        if (candidate / "gridcare" / "metering" / "engine").is_dir():
            return candidate.resolve()
    raise SystemExit(f"{path}: no gridcare/metering/engine under it or its src/")


def run_child(
    size: Size, out: Path | None, impl: str, step: str, store: Path, engine: Engine | None
) -> Row:
    """Run one step in a fresh interpreter; the child reports its own peak memory."""
    python = engine.python if engine else sys.executable
    command = [python, "-m", "bench.metering.steps", "--size", size.name, "--step", step]
    command += ["--impl", "engine" if impl == "before" else impl, "--work", impl]
    command += ["--store", str(store)]
    if out is not None:
        command += ["--out", str(out)]
    env = engine.env() if engine else None
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=stderr)
        stdout = proc.communicate()[0].decode()
        stderr.seek(0)
        errors = stderr.read().decode(errors="replace")
    result = StepResult.from_output(stdout)
    if result is None:
        result = StepResult(available=False, note=f"failed: {report.error_line(errors)}")
    return Row(step, impl, result, result.peak_mb, proc.returncode)


def plan(impls: tuple[str, ...]) -> list[tuple[str, str]]:
    """(step, implementation) in run order; the engine-only steps come last."""
    steps = [("ingest", impl) for impl in impls]
    for step in (*AGGREGATES, "pipeline"):
        steps += [(step, impl) for impl in impls]
    engines = [impl for impl in impls if impl not in BASELINES]
    for step in ENGINE_ONLY:
        steps += [(step, impl) for impl in engines]
    return steps


def has_readings(store: Path) -> bool:
    """True if `store` holds day files."""
    return any(store.glob("readings/day=*/*.parquet"))


def aggregate_store(ds: Dataset, impl: str) -> Path:
    """The store an implementation aggregates: an engine its own; the baselines the
    (current) engine's, else DuckDB's bare COPY if the engine did not ingest."""
    own = ds.work(impl) / "store"
    if impl not in BASELINES and has_readings(own):
        return own
    engine_store = ds.work("engine") / "store"
    return engine_store if has_readings(engine_store) else ds.work("duckdb") / "store"


def step_inputs(ds: Dataset, step: str, store: Path) -> list[Path]:
    """The files a step reads (CSV for the imports, the readings store otherwise)."""
    if step in FRESH_STORE:
        return ds.csv_files()
    if step in ("increment_ingest", "increment_import"):
        return ds.increment_files()
    return sorted(store.glob("readings/day=*/*.parquet"))


def warm_cache(paths: list[Path]) -> None:
    """Read `paths` once so every step starts with its input in the page cache.

    Without this, the step run right after a pandas step reads cold files and pays for the
    eviction pandas caused.
    """
    for path in paths:
        with path.open("rb") as handle:
            while handle.read(8 * MB):
                pass


def measure(
    size: Size,
    ds: Dataset,
    out: Path | None,
    engines: dict[str, Engine],
    impls: tuple[str, ...],
    repeat: int,
    console: Console,
    steps: tuple[str, ...] = (),
) -> dict[tuple[str, str], Row]:
    """Run the plan (only `steps` if given), each step `repeat` times (median seconds,
    max memory), each with its input files read into the page cache first.

    The incremental steps run once: a second import of the same day is a different workload
    (every row unchanged), and a second refresh of it rebuilds the month's profile sums
    (a re-import) instead of adding one day. Returns the rows by (step, implementation).
    """
    rows: dict[tuple[str, str], Row] = {}
    for step, impl in plan(impls):
        if steps and step not in steps:
            continue
        store = aggregate_store(ds, impl)
        runs = []
        for attempt in range(1 if step in ONCE else repeat):
            if step in FRESH_STORE:
                shutil.rmtree(ds.work(impl) / "store", ignore_errors=True)
                (ds.work(impl) / "store").mkdir(parents=True)
            warm_cache(step_inputs(ds, step, store))
            label = f"{size.name}: {STEP_LABELS[step]} — {IMPL_LABELS[impl]} ({attempt + 1})…"
            with console.status(label):
                runs.append(run_child(size, out, impl, step, store, engines.get(impl)))
            console.log(report.log_line(runs[-1]))
            if not runs[-1].ok:
                break
        rows[(step, impl)] = report.median_row(runs)
    return rows


def main() -> None:
    """Command line: generate if needed, run every step, print and record the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--out", type=Path, default=None, help="parent directory of <size>/")
    parser.add_argument(
        "--impls", default="duckdb,engine,pandas", help="comma-separated subset of those"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per step (median kept)")
    parser.add_argument(
        "--steps", default="", help=f"comma-separated subset of {','.join(STEP_LABELS)}"
    )
    parser.add_argument(
        "--src", type=Path, default=REPO, help="checkout (or its src/) whose engine to measure"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter for that engine")
    parser.add_argument(
        "--before", type=Path, default=None, help="checkout whose engine to measure beside it"
    )
    parser.add_argument("--before-python", default=sys.executable)
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 200)
    size = SIZES[args.size]
    ds = dataset_for(size, args.out)
    engines = {"engine": Engine(source_dir(args.src), args.python)}
    if args.before is not None:
        engines["before"] = Engine(source_dir(args.before), args.before_python)
    wanted = set(args.impls.split(",")) | ({"before"} if args.before else set())
    impls = tuple(i for i in IMPLS if i in wanted)
    for impl, engine in engines.items():
        if impl in impls:
            console.log(f"{IMPL_LABELS[impl]}: gridcare from {engine.imported_from()}")
    manifest = ensure(size, ds, console)
    console.log(f"{size.name}: {manifest['csv_rows']:,} CSV rows in {ds.root}")
    load_before = os.getloadavg()[0]
    steps = tuple(filter(None, args.steps.split(",")))
    rows = measure(size, ds, args.out, engines, impls, args.repeat, console, steps)
    body = report.render(size, rows, console)
    summary = report.summary(rows)
    report.render_summary(summary, console)
    compared = check.check(ds, tuple(i for i in impls if i != "duckdb"))
    lines = [
        *report.notes(rows),
        *(report.store_check(ds, impl) for impl in impls if impl not in BASELINES),
        *(c.line() for c in compared),
        f"- repeat {args.repeat} (median seconds, max peak; the +1 day steps run once); "
        "load average (1 min) "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after",
    ]
    lines = [line for line in lines if line]
    for line in lines:
        console.print(line, markup=False, highlight=False)
    report_dir = args.out or DEFAULT_ROOT.parent
    markdown = report_dir / f"metering-{size.name}.md"
    sources = {impl: engine.src for impl, engine in engines.items() if impl in impls}
    command = " ".join(["python -m bench.metering.run", *sys.argv[1:]])
    report.write_markdown(markdown, size, command, sources, body, summary, lines)
    raw = {f"{s}/{i}": {**asdict(r.result), "peak_mb": r.peak_mb} for (s, i), r in rows.items()}
    markdown.with_suffix(".json").write_text(json.dumps(raw, indent=2))
    console.print(f"Markdown: {markdown}")


if __name__ == "__main__":
    main()
