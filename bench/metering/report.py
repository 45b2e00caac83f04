"""The metering benchmark's tables: every step, the targets of issue 23 with verdicts, the
notes, and the Markdown copy (`run.py` measures, this module judges and prints).

Targets (issue 23, section 1; the engine is measured against the baselines of the same run):

| target                                  | bound                 |
| --------------------------------------- | --------------------- |
| four aggregates, time ÷ hand-written SQL | ≤ 1.3×                |
| four aggregates, pandas ÷ time           | ≥ 4×                  |
| four aggregates, peak memory             | ≤ 1 GB                |
| import with full validation ÷ bare COPY  | ≤ 1.4×                |
| one added day's refresh ÷ full refresh   | ≤ 10 %                |
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.metering.common import Dataset, Size, StepResult

IMPL_LABELS = {
    "duckdb": "DuckDB SQL",
    "before": "GridCare engine, before",
    "engine": "GridCare engine",
    "pandas": "pandas",
}
ENGINES = ("before", "engine")
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

PIPELINE_VS_SQL = 1.3
PIPELINE_VS_PANDAS = 4.0
PEAK_MB = 1024
INGEST_VS_COPY = 1.4
INCREMENT_SHARE = 0.10
TARGETS = {
    "ingest": f"≤{INGEST_VS_COPY}× COPY",
    "pipeline": f"≤{PIPELINE_VS_SQL}× SQL, ≥{PIPELINE_VS_PANDAS:.0f}× pandas, ≤1 GB",
    "refresh_all": "≤1 GB",
    "increment_refresh": f"≤{INCREMENT_SHARE:.0%} of full refresh",
    "increment_import": f"refresh ≤{INCREMENT_SHARE:.0%} of the full one's",
}
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


@dataclass
class Row:
    """One measured (step, implementation): the child's result and its own peak memory."""

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


Rows = dict[tuple[str, str], Row]


def error_line(stderr: str) -> str:
    """The exception line of a child's traceback (else its last line), shortened."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception)\b", line)]
    return ((errors or lines or ["no output"])[-1])[:200]


def median_row(runs: list[Row]) -> Row:
    """The run with the median seconds, carrying the highest peak memory of all runs."""
    if not all(r.ok for r in runs):
        return next(r for r in runs if not r.ok)
    ordered = sorted(runs, key=lambda r: r.result.seconds)
    middle = ordered[(len(ordered) - 1) // 2]
    code = next((r.returncode for r in runs if r.returncode), 0)
    return Row(middle.step, middle.impl, middle.result, max(r.peak_mb for r in runs), code)


def log_line(row: Row) -> str:
    """One progress line per finished step."""
    if not row.ok:
        return f"{row.step:<18} {row.impl:<7} not available: {row.result.note}"
    return (
        f"{row.step:<18} {row.impl:<7} {row.result.seconds:8.2f} s "
        f"{row.rows_per_s / 1e6:6.2f} M/s {row.peak_mb:8.0f} MB {row.result.extra or ''}"
    )


def ratio_to(rows: Rows, row: Row, impl: str) -> float | None:
    """`row`'s seconds ÷ the seconds of `impl` on the comparable step (None if absent)."""
    if row.step in ENGINE_ONLY:
        return None  # no baseline does the same work (materialise nine aggregates, increments)
    other = rows.get((row.step, impl))
    if not (row.ok and other is not None and other.ok and other.result.seconds):
        return None
    return row.result.seconds / other.result.seconds


def increment_share(rows: Rows, step: str, impl: str) -> float | None:
    """The one-day refresh's seconds ÷ the full one's: separate processes for
    `increment_refresh`, the refresh parts of the one-process imports for
    `increment_import`."""
    full_step = "refresh_all" if step == "increment_refresh" else "import_cli"
    part, full = rows.get((step, impl)), rows.get((full_step, impl))
    if part is None or full is None or not (part.ok and full.ok):
        return None
    if step == "increment_refresh":
        return part.result.seconds / full.result.seconds if full.result.seconds else None
    whole = (full.result.extra or {}).get("refresh_seconds")
    one = (part.result.extra or {}).get("refresh_seconds")
    return one / whole if one is not None and whole else None


def _checks(rows: Rows, row: Row) -> list[bool]:
    """The boolean checks behind an engine row's verdict (empty: no target)."""
    if row.step == "ingest":
        vs_copy = ratio_to(rows, row, "duckdb")
        return [vs_copy is not None and vs_copy <= INGEST_VS_COPY]
    if row.step == "pipeline":
        vs_sql = ratio_to(rows, row, "duckdb")
        vs_pandas = ratio_to(rows, row, "pandas")
        return [
            vs_sql is not None and vs_sql <= PIPELINE_VS_SQL,
            vs_pandas is not None and 1 / vs_pandas >= PIPELINE_VS_PANDAS,
            row.peak_mb <= PEAK_MB,
        ]
    if row.step == "refresh_all":
        return [row.peak_mb <= PEAK_MB]
    if row.step in ("increment_refresh", "increment_import"):
        share = increment_share(rows, row.step, row.impl)
        return [share is not None and share <= INCREMENT_SHARE]
    return []


def verdict(rows: Rows, row: Row) -> tuple[str, str]:
    """(target text, verdict) for a row: `met`/`MISSED`, empty without a target."""
    if row.impl not in ENGINES or row.step not in TARGETS:
        return "", ""
    if not row.ok:
        return TARGETS[row.step], "not available"
    checks = _checks(rows, row)
    return TARGETS[row.step], ("met" if all(checks) else "MISSED") if checks else ""


def cells(rows: Rows, row: Row) -> list[str]:
    """The table cells of one row."""
    target, met = verdict(rows, row)
    label = [STEP_LABELS[row.step], IMPL_LABELS[row.impl]]
    if not row.ok:
        return [*label, "not available", "", "", "", "", "", target, met]
    vs_sql = ratio_to(rows, row, "duckdb") if row.impl != "duckdb" else None
    vs_pandas = ratio_to(rows, row, "pandas") if row.impl != "pandas" else None
    if row.step in ("increment_refresh", "increment_import"):
        share = increment_share(rows, row.step, row.impl)
        target += f" ({share:.1%})" if share is not None else ""
    return [
        *label,
        f"{row.result.seconds:.2f}",
        f"{row.rows_per_s / 1e6:.2f} M",
        f"{row.peak_mb:,.0f}",
        f"{row.result.output_rows:,}",
        f"{vs_sql:.2f}×" if vs_sql is not None else "",
        f"{1 / vs_pandas:.1f}×" if vs_pandas is not None else "",
        target,
        met,
    ]


def render(size: Size, rows: Rows, console: Console) -> list[list[str]]:
    """Print the table of every step; returns its cells for the Markdown copy."""
    table = Table(title=f"metering benchmark, size {size.name} ({size.readings:,} readings)")
    for header in HEADERS:
        table.add_column(header, justify="left" if header in HEADERS[:2] else "right")
    body = [cells(rows, row) for row in rows.values()]
    for line in body:
        style = "red" if line[-1] == "MISSED" else ("green" if line[-1] == "met" else None)
        table.add_row(*line, style=style)
    console.print(table)
    return body


# --- the summary: one line per target, one column per engine --------------------------

Measure = Callable[[Rows, str], tuple[str, bool] | None]


def _pipeline_vs_sql(rows: Rows, impl: str) -> tuple[str, bool] | None:
    row = rows.get(("pipeline", impl))
    ratio = ratio_to(rows, row, "duckdb") if row else None
    return None if ratio is None else (f"{ratio:.2f}×", ratio <= PIPELINE_VS_SQL)


def _pipeline_vs_pandas(rows: Rows, impl: str) -> tuple[str, bool] | None:
    row = rows.get(("pipeline", impl))
    ratio = ratio_to(rows, row, "pandas") if row else None
    return None if ratio is None else (f"{1 / ratio:.1f}×", 1 / ratio >= PIPELINE_VS_PANDAS)


def _peak(step: str) -> Measure:
    def measure(rows: Rows, impl: str) -> tuple[str, bool] | None:
        row = rows.get((step, impl))
        if row is None or not row.ok:
            return None
        return f"{row.peak_mb:,.0f} MB", row.peak_mb <= PEAK_MB

    return measure


def _ingest_vs_copy(rows: Rows, impl: str) -> tuple[str, bool] | None:
    row = rows.get(("ingest", impl))
    ratio = ratio_to(rows, row, "duckdb") if row else None
    if ratio is None or row is None:
        return None
    return f"{ratio:.2f}× ({row.result.seconds:.2f} s)", ratio <= INGEST_VS_COPY


def _share(step: str) -> Measure:
    def measure(rows: Rows, impl: str) -> tuple[str, bool] | None:
        share = increment_share(rows, step, impl)
        return None if share is None else (f"{share:.1%}", share <= INCREMENT_SHARE)

    return measure


SUMMARY: tuple[tuple[str, str, Measure], ...] = (
    ("four aggregates: time ÷ hand-written DuckDB SQL", "≤ 1.3×", _pipeline_vs_sql),
    ("four aggregates: pandas time ÷ engine time", "≥ 4×", _pipeline_vs_pandas),
    ("four aggregates: peak memory", "≤ 1 GB", _peak("pipeline")),
    ("import with full validation ÷ bare DuckDB COPY", "≤ 1.4×", _ingest_vs_copy),
    ("+1 day refresh ÷ full refresh (own processes)", "≤ 10 %", _share("increment_refresh")),
    ("+1 day refresh ÷ full refresh (in `meter import`)", "≤ 10 %", _share("increment_import")),
    ("materialise all days: peak memory", "≤ 1 GB", _peak("refresh_all")),
)


def summary(rows: Rows) -> list[list[str]]:
    """The targets table: target, bound, then `value — verdict` for each engine measured."""
    engines = [impl for impl in ENGINES if any(i == impl for _, i in rows)]
    header = ["target (issue 23)", "bound", *(IMPL_LABELS[impl] for impl in engines)]
    body = [header]
    for label, bound, measure in SUMMARY:
        line = [label, bound]
        for impl in engines:
            value = measure(rows, impl)
            line.append("—" if value is None else f"{value[0]} {'met' if value[1] else 'MISSED'}")
        body.append(line)
    return body


def render_summary(body: list[list[str]], console: Console) -> None:
    """Print the targets table."""
    table = Table(title="targets of issue 23")
    for i, header in enumerate(body[0]):
        table.add_column(header, justify="left" if i < 2 else "right")
    for line in body[1:]:
        missed = any(cell.endswith("MISSED") for cell in line)
        table.add_row(*line, style="red" if missed else None)
    console.print(table)


# --- notes and the Markdown copy -------------------------------------------------------


def notes(rows: Rows) -> list[str]:
    """Unavailable steps and per-aggregate splits, as Markdown bullet lines."""
    lines = []
    for row in rows.values():
        name = f"{IMPL_LABELS[row.impl]}, {STEP_LABELS[row.step]}"
        if not row.ok:
            lines.append(f"- {name}: {row.result.note}")
        elif row.returncode != 0:
            lines.append(
                f"- {name}: the process exited with code {row.returncode} after reporting"
                " its result (measurement kept)"
            )
        if row.ok and row.result.extra and row.step in ("pipeline", *ENGINE_ONLY, "ingest"):
            lines.append(f"- {name}: `{json.dumps(row.result.extra, ensure_ascii=False)}`")
    return lines


def store_check(ds: Dataset, impl: str) -> str:
    """What an engine's store holds, against the dimension (a Markdown bullet line): an id
    outside it means one was written wrongly."""
    readings = ds.work(impl) / "store" / "readings"
    if not any(readings.glob("day=*/*.parquet")):
        return ""
    import duckdb  # only here: the runner imports no engine or database otherwise

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    [(ids, outside, bad_quality)] = con.sql(
        "SELECT count(DISTINCT r.meter_id), count(DISTINCT r.meter_id) FILTER"
        " (WHERE m.meter_id IS NULL), count(*) FILTER (WHERE r.quality NOT IN ('A', 'E', 'S'))"
        f" FROM read_parquet('{readings}/day=*/*.parquet') r"
        f" LEFT JOIN read_parquet('{ds.meters_parquet}') m USING (meter_id)"
    ).fetchall()
    wrong = outside or bad_quality
    verdict = "**written wrongly**" if wrong else "as expected"
    return (
        f"- {IMPL_LABELS[impl]} store after the run: {ids:,} meter ids, {outside:,} not in the"
        f" dimension, {bad_quality:,} readings with a quality other than A/E/S ({verdict})"
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


def engine_source(src: Path) -> str:
    """The commit of a checkout's engine (`+changes` if its engine differs from it) and a
    short SHA-256 of the engine's sources, to tell which engine was measured."""
    engine = src / "gridcare" / "metering" / "engine"
    digest = hashlib.sha256()
    for path in sorted(engine.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(src), *args], capture_output=True, text=True)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "no git"
    changed = "+changes" if git("status", "--porcelain", "--", str(engine)) else ""
    return f"{src} (commit {commit}{changed}, engine sources `{digest.hexdigest()[:12]}`)"


def _markdown_table(header: list[str] | tuple[str, ...], body: list[list[str]]) -> list[str]:
    aligns = ["---" if i < 2 else "---:" for i in range(len(header))]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(aligns) + " |",
        *("| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in body),
    ]


def write_markdown(
    path: Path,
    size: Size,
    command: str,
    sources: dict[str, Path],
    body: list[list[str]],
    targets: list[list[str]],
    lines: list[str],
) -> None:
    """Both tables as Markdown, with the command, the machine, the engines and the notes."""
    engines = [f"- {IMPL_LABELS[impl]}: {engine_source(src)}" for impl, src in sources.items()]
    text = [
        f"### Size {size.name}: {size.meters:,} meters × {size.days} days "
        f"= {size.readings:,} readings",
        "",
        f"`.venv/bin/{command}` — {dt.datetime.now():%Y-%m-%d %H:%M}, {machine()}",
        "",
        *engines,
        "",
        *_markdown_table(targets[0], targets[1:]),
        "",
        *_markdown_table(HEADERS, body),
        "",
        *lines,
    ]
    path.write_text("\n".join(text) + "\n")
