"""Benchmark: GridCare's metering engine against hand-written DuckDB SQL and pandas, one run.

    .venv/bin/python -m bench.metering.run --size S        # or: bench/metering/run.py --size S

Generates the size if missing, then runs every step in a fresh subprocess (so the peak
memory — the child's ru_maxrss — is per step), in this order: ingestion (DuckDB COPY, engine
with full validation and reject report, pandas), each of the four core aggregates and all
four in one process (DuckDB SQL, engine, pandas) on the same Parquet store, the engine's
full materialisation, the incremental day (its import, then the refresh of the days that
import reported, each in its own process), and both imports again the way `gridcare meter
import` runs them, ingest and refresh in one process (`import_cli`, `increment_import`).

Prints a rich table (seconds, readings/s, peak MB, time ratio to DuckDB SQL, speed-up over
pandas, target, verdict) and writes it as Markdown to var/bench/metering-<size>.md with the
raw results in var/bench/metering-<size>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

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

IMPLS = ("duckdb", "engine", "pandas")
IMPL_LABELS = {"duckdb": "DuckDB SQL", "engine": "GridCare engine", "pandas": "pandas"}
STEP_LABELS = {
    "ingest": "ingest CSV → day Parquet",
    "tou_daily": "TOU daily kWh",
    "transformer_load": "transformer load curve",
    "profiles": "96-point profiles",
    "quality": "quality counts",
    "pipeline": "four aggregates (one process)",
    "refresh_all": "materialise all days",
    "increment_ingest": "+1 day: ingest",
    "increment_refresh": "+1 day: refresh",
    "import_cli": "meter import, one process (ingest + materialise)",
    "increment_import": "+1 day: meter import, one process",
}
ENGINE_ONLY = (
    "refresh_all",
    "increment_ingest",
    "increment_refresh",
    "import_cli",
    "increment_import",
)
ONCE = ("increment_ingest", "increment_refresh", "increment_import")
FRESH_STORE = ("ingest", "import_cli")  # start from an empty store
MB = 1024 * 1024

# Targets of the metering issue (engine) and its reference numbers for L (baselines).
INGEST_ROWS_PER_S = 3_000_000
INGEST_L_SECONDS = 20.0
PIPELINE_VS_SQL = 1.3
PIPELINE_VS_PANDAS = 4.0
ENGINE_PEAK_MB = 1024
INCREMENT_SHARE = 0.05
REFERENCES = {
    ("ingest", "duckdb"): "ref. L ≈6 s (9 M/s)",
    ("pipeline", "duckdb"): "ref. L ≈7 s, <0.5 GB",
    ("pipeline", "pandas"): "ref. L ≈30 s, 4–5.5 GB",
}


@dataclass
class Row:
    """One measured (step, implementation): the child's result plus its peak memory (MB)."""

    step: str
    impl: str
    result: StepResult
    peak_mb: float
    returncode: int

    @property
    def ok(self) -> bool:
        """True when the step reported a result (even if the process died afterwards)."""
        return self.result.available

    @property
    def rows_per_s(self) -> float:
        """Readings processed per second of wall time."""
        return self.result.rows / self.result.seconds if self.result.seconds else 0.0


def run_child(size: Size, out: Path | None, impl: str, step: str, store: Path) -> Row:
    """Run one step in a fresh interpreter; its ru_maxrss (via wait4) is the peak memory."""
    command = [sys.executable, "-m", "bench.metering.steps", "--size", size.name]
    command += ["--impl", impl, "--step", step, "--store", str(store)]
    if out is not None:
        command += ["--out", str(out)]
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=stderr)
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        errors = stderr.read().decode(errors="replace")
    result = StepResult.from_output(stdout)
    if result is None:
        result = StepResult(available=False, note=f"failed: {error_line(errors)}")
    return Row(step, impl, result, usage.ru_maxrss * 1024 / MB, proc.returncode)


def error_line(stderr: str) -> str:
    """The exception line of a child's traceback (else its last line), shortened."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception)\b", line)]
    return ((errors or lines or ["no output"])[-1])[:200]


def plan(impls: tuple[str, ...]) -> list[tuple[str, str]]:
    """(step, implementation) in run order; the engine-only steps come last."""
    steps = [("ingest", impl) for impl in impls]
    for step in (*AGGREGATES, "pipeline"):
        steps += [(step, impl) for impl in impls]
    if "engine" in impls:
        steps += [(step, "engine") for step in ENGINE_ONLY]
    return steps


def aggregate_store(ds: Dataset, rows: dict[tuple[str, str], Row]) -> Path:
    """The store every implementation aggregates: the engine's if it ingested (in this run,
    or before when `--steps` skips ingestion), else DuckDB's bare COPY."""
    engine = rows.get(("ingest", "engine"))
    engine_store = ds.work("engine") / "store"
    if engine is None and any(engine_store.glob("readings/day=*/*.parquet")):
        return engine_store
    if engine is not None and engine.ok:
        return engine_store
    return ds.work("duckdb") / "store"


def step_inputs(ds: Dataset, step: str, store: Path) -> list[Path]:
    """The files a step reads (CSV for the imports, the readings store otherwise)."""
    if step in FRESH_STORE:
        return ds.csv_files()
    if step in ("increment_ingest", "increment_import"):
        return ds.increment_files()
    root = ds.work("engine") / "store" if step in ENGINE_ONLY else store
    return sorted(root.glob("readings/day=*/*.parquet"))


def warm_cache(paths: list[Path]) -> None:
    """Read `paths` once so every step starts with its input in the page cache.

    Without this, the step run right after a pandas step (13 GB at L) reads cold files and
    pays for the eviction pandas caused; with the order SQL, engine, pandas that was always
    DuckDB SQL.
    """
    for path in paths:
        with path.open("rb") as handle:
            while handle.read(8 * MB):
                pass


def measure(
    size: Size,
    ds: Dataset,
    out: Path | None,
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
        store = aggregate_store(ds, rows)
        runs = []
        for attempt in range(1 if step in ONCE else repeat):
            if step in FRESH_STORE:
                shutil.rmtree(ds.work(impl) / "store", ignore_errors=True)
                (ds.work(impl) / "store").mkdir(parents=True)
            warm_cache(step_inputs(ds, step, store))
            label = f"{size.name}: {STEP_LABELS[step]} — {IMPL_LABELS[impl]} ({attempt + 1})…"
            with console.status(label):
                runs.append(run_child(size, out, impl, step, store))
            console.log(_log_line(runs[-1]))
            if not runs[-1].ok:
                break
        rows[(step, impl)] = median_row(runs)
    return rows


def median_row(runs: list[Row]) -> Row:
    """The run with the median seconds, carrying the highest peak memory of all runs."""
    if not all(r.ok for r in runs):
        return next(r for r in runs if not r.ok)
    ordered = sorted(runs, key=lambda r: r.result.seconds)
    middle = ordered[(len(ordered) - 1) // 2]
    code = next((r.returncode for r in runs if r.returncode), 0)
    return Row(middle.step, middle.impl, middle.result, max(r.peak_mb for r in runs), code)


def _log_line(row: Row) -> str:
    """One progress line per finished step."""
    if not row.ok:
        return f"{row.step:<18} {row.impl:<7} not available: {row.result.note}"
    return (
        f"{row.step:<18} {row.impl:<7} {row.result.seconds:8.2f} s "
        f"{row.rows_per_s / 1e6:6.2f} M/s {row.peak_mb:8.0f} MB {row.result.extra or ''}"
    )


def ratio_to(rows: dict[tuple[str, str], Row], row: Row, impl: str) -> float | None:
    """`row`'s seconds ÷ the seconds of `impl` on the comparable step (None if absent)."""
    if row.step in ENGINE_ONLY:
        return None  # no baseline does the same work (materialise nine aggregates, increments)
    other = rows.get((row.step, impl))
    if not (row.ok and other is not None and other.ok and other.result.seconds):
        return None
    return row.result.seconds / other.result.seconds


def verdict(size: Size, rows: dict[tuple[str, str], Row], row: Row) -> tuple[str, str]:
    """(target text, verdict) for a row: `met`/`MISSED`, `-` without a target."""
    key = (row.step, row.impl)
    if key in REFERENCES:
        return REFERENCES[key], "ref."
    if row.impl != "engine":
        return "", ""
    if not row.ok:
        return _target_text(size, row.step), "not available"
    checks = _checks(size, rows, row)
    if not checks:
        return "", ""
    return _target_text(size, row.step), "met" if all(checks) else "MISSED"


def _target_text(size: Size, step: str) -> str:
    """The engine target of a step, as shown in the table."""
    if step in ("ingest", "import_cli"):
        return "≥3 M/s" + (", <20 s" if size.name == "L" else "")
    if step == "pipeline":
        return "≤1.3× SQL, ≥4× pandas, ≤1 GB"
    if step == "refresh_all":
        return "≤1 GB"
    if step == "increment_refresh":
        return "<5 % of full refresh"
    if step == "increment_import":
        return "refresh <5 % of the full one's"
    return ""


def _checks(size: Size, rows: dict[tuple[str, str], Row], row: Row) -> list[bool]:
    """The boolean checks behind a row's verdict."""
    seconds = row.result.seconds
    if row.step in ("ingest", "import_cli"):
        checks = [row.rows_per_s >= INGEST_ROWS_PER_S]
        return checks + ([seconds < INGEST_L_SECONDS] if size.name == "L" else [])
    if row.step == "pipeline":
        vs_sql = ratio_to(rows, row, "duckdb")
        vs_pandas = ratio_to(rows, row, "pandas")
        return [
            vs_sql is not None and vs_sql <= PIPELINE_VS_SQL,
            vs_pandas is not None and 1 / vs_pandas >= PIPELINE_VS_PANDAS,
            row.peak_mb <= ENGINE_PEAK_MB,
        ]
    if row.step == "refresh_all":
        return [row.peak_mb <= ENGINE_PEAK_MB]
    if row.step in ("increment_refresh", "increment_import"):
        share = increment_share(rows, row.step)
        return [share is not None and share < INCREMENT_SHARE]
    return []


def increment_share(rows: dict[tuple[str, str], Row], step: str) -> float | None:
    """The one-day refresh's seconds ÷ the full one's (engine): separate processes for
    `increment_refresh`, the refresh parts of the one-process imports for
    `increment_import`."""
    full_step = "refresh_all" if step == "increment_refresh" else "import_cli"
    part, full = rows.get((step, "engine")), rows.get((full_step, "engine"))
    if part is None or full is None or not (part.ok and full.ok):
        return None
    if step == "increment_refresh":
        return part.result.seconds / full.result.seconds if full.result.seconds else None
    whole = (full.result.extra or {}).get("refresh_seconds")
    one = (part.result.extra or {}).get("refresh_seconds")
    return one / whole if one is not None and whole else None


def cells(size: Size, rows: dict[tuple[str, str], Row], row: Row) -> list[str]:
    """The table cells of one row."""
    target, met = verdict(size, rows, row)
    if not row.ok:
        na = "not available"
        return [STEP_LABELS[row.step], IMPL_LABELS[row.impl], na, "", "", "", "", "", target, met]
    vs_sql = ratio_to(rows, row, "duckdb") if row.impl != "duckdb" else None
    vs_pandas = ratio_to(rows, row, "pandas") if row.impl != "pandas" else None
    if row.step in ("increment_refresh", "increment_import"):
        share = increment_share(rows, row.step)
        vs_sql, target = None, target + (f" ({share:.1%})" if share is not None else "")
    return [
        STEP_LABELS[row.step],
        IMPL_LABELS[row.impl],
        f"{row.result.seconds:.2f}",
        f"{row.rows_per_s / 1e6:.2f} M",
        f"{row.peak_mb:,.0f}",
        f"{row.result.output_rows:,}",
        f"{vs_sql:.2f}×" if vs_sql is not None else "",
        f"{1 / vs_pandas:.1f}×" if vs_pandas is not None else "",
        target,
        met,
    ]


HEADERS = (
    "step",
    "implementation",
    "seconds",
    "readings/s",
    "peak MB",
    "rows out",
    "time ÷ SQL",
    "pandas ÷ time",
    "target",
    "verdict",
)


def machine() -> str:
    """CPU model, cores, memory and software versions, for the record."""
    model = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    import duckdb
    import pandas

    return (
        f"{model}, {os.cpu_count()} cores, {pages / 1024**3:.0f} GiB, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"pandas {pandas.__version__}"
    )


def engine_fingerprint() -> str:
    """Short SHA-256 of the engine's sources, to tell which engine version was measured."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "src/gridcare/metering/engine").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def render(size: Size, rows: dict[tuple[str, str], Row], console: Console) -> list[list[str]]:
    """Print the rich table; returns its cells for the Markdown copy."""
    table = Table(title=f"metering benchmark, size {size.name} ({size.readings:,} readings)")
    for header in HEADERS:
        table.add_column(header, justify="left" if header in HEADERS[:2] else "right")
    body = [cells(size, rows, row) for row in rows.values()]
    for line in body:
        style = "red" if line[-1] == "MISSED" else ("green" if line[-1] == "met" else None)
        table.add_row(*line, style=style)
    console.print(table)
    return body


def notes(rows: dict[tuple[str, str], Row]) -> list[str]:
    """Unavailable steps and per-aggregate splits, as Markdown bullet lines."""
    lines = []
    for row in rows.values():
        if not row.ok:
            lines.append(f"- {IMPL_LABELS[row.impl]}, {STEP_LABELS[row.step]}: {row.result.note}")
        elif row.returncode != 0:
            lines.append(
                f"- {IMPL_LABELS[row.impl]}, {STEP_LABELS[row.step]}: the process exited with "
                f"code {row.returncode} after reporting its result (measurement kept)"
            )
        if row.ok and row.result.extra and row.step in ("pipeline", *ENGINE_ONLY, "ingest"):
            detail = json.dumps(row.result.extra, ensure_ascii=False)
            lines.append(f"- {IMPL_LABELS[row.impl]}, {STEP_LABELS[row.step]}: `{detail}`")
    return lines


def store_check(ds: Dataset) -> str | None:
    """What the engine's store holds, against the dimension (a Markdown bullet line): an id
    outside it means one was written wrongly (rows out then move between runs)."""
    files = ds.work("engine") / "store" / "readings" / "day=*" / "*.parquet"
    if not any((ds.work("engine") / "store" / "readings").glob("day=*/*.parquet")):
        return None
    import duckdb  # only here: the parent process imports no engine or database otherwise

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    [(ids, outside)] = con.sql(
        f"SELECT count(DISTINCT r.meter_id), count(DISTINCT r.meter_id) FILTER"
        f" (WHERE m.meter_id IS NULL) FROM read_parquet('{files}') r"
        f" LEFT JOIN read_parquet('{ds.meters_parquet}') m USING (meter_id)"
    ).fetchall()
    verdict = "as expected" if not outside else "**ids outside the dimension: written wrongly**"
    return (
        f"- engine store after the run: {ids:,} meter ids, {outside:,} not in the dimension"
        f" ({verdict})"
    )


def write_markdown(
    path: Path, size: Size, body: list[list[str]], lines: list[str], repeat: int
) -> None:
    """The table as Markdown, with the command, the machine and the notes."""
    flags = f" --repeat {repeat}" if repeat > 1 else ""
    text = [
        f"### Size {size.name}: {size.meters:,} meters × {size.days} days "
        f"= {size.readings:,} readings",
        "",
        f"`.venv/bin/python -m bench.metering.run --size {size.name}{flags}` — "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, {machine()}, engine sources "
        f"`{engine_fingerprint()}`",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "| " + " | ".join("---" if i < 2 else "---:" for i in range(len(HEADERS))) + " |",
        *("| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in body),
        "",
        *lines,
    ]
    path.write_text("\n".join(text) + "\n")


def main() -> None:
    """Command line: generate if needed, run every step, print and record the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--out", type=Path, default=None, help="parent directory of <size>/")
    parser.add_argument(
        "--impls", default=",".join(IMPLS), help="comma-separated subset of duckdb,engine,pandas"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per step (median kept)")
    parser.add_argument(
        "--steps", default="", help=f"comma-separated subset of {','.join(STEP_LABELS)}"
    )
    args = parser.parse_args()
    console = Console()
    size = SIZES[args.size]
    ds = dataset_for(size, args.out)
    impls = tuple(i for i in IMPLS if i in args.impls.split(","))
    manifest = ensure(size, ds, console)
    console.log(f"{size.name}: {manifest['csv_rows']:,} CSV rows in {ds.root}")
    load_before = os.getloadavg()[0]
    steps = tuple(filter(None, args.steps.split(",")))
    rows = measure(size, ds, args.out, impls, args.repeat, console, steps)
    body = render(size, rows, console)
    check = store_check(ds) if "engine" in impls else None
    lines = [
        *notes(rows),
        *([check] if check else []),
        f"- repeat {args.repeat} (median seconds, max peak; the +1 day steps run once); "
        "load average (1 min) "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after",
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False)
    report_dir = args.out or DEFAULT_ROOT.parent
    markdown = report_dir / f"metering-{size.name}.md"
    write_markdown(markdown, size, body, lines, args.repeat)
    raw = {f"{s}/{i}": {**asdict(r.result), "peak_mb": r.peak_mb} for (s, i), r in rows.items()}
    markdown.with_suffix(".json").write_text(json.dumps(raw, indent=2))
    console.print(f"Markdown: {markdown}")


if __name__ == "__main__":
    main()
