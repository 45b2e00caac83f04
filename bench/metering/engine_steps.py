"""GridCare's engine, step by step, called the way the Django side calls it.

- `ingest`: `engine.ingest.ingest_files` on the CSV files with full validation, the reject
  report (CSV) and a fresh `engine.io.Store`; the meters dimension as the list of known ids.
- `tou_daily`, `transformer_load`, `profiles`, `quality`: `engine.aggregate.daily_tou`,
  `transformer_load_curve`, `meter_profiles`, `completeness` over
  `backend.readings_table(connect("duckdb://"), store, days)`, written with `to_parquet`.
- `import_cli`, `increment_import`: the same ingest and refresh in one process, as the
  command runs them (the refresh then starts with the import's memory already in use).
- `refresh_all`, `increment_ingest`, `increment_refresh`: `engine.materialize.refresh` for
  every day, then `ingest_files` of the extra day and `refresh` of what that import
  reported, as `gridcare meter import` does: its `days` (the extra day and the day before,
  whose last interval an estimate fills) with its `added_only` days as `additions`.

Only public names of the engine are used (no `_name`, nothing patched): the benchmark
measures the engine from outside, as `gridcare meter import` calls it. Engine modules are
imported lazily: a missing module or function makes the step report "not available"
(`NotAvailable`) instead of failing the whole run. The engine may be another checkout's
(`run.py --src`); `refresh_arguments` bridges the one signature that changed in issue 23.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from bench.metering.common import AGGREGATES, Context, NotAvailable

ENGINE = "gridcare.metering.engine"
NOW = dt.datetime(2026, 8, 15, tzinfo=dt.UTC)  # the clock is a parameter: after every reading
BATCH_ID = "bench-base"
INCREMENT_BATCH_ID = "bench-increment"


def _preload() -> dict[str, Any]:
    """Import every engine module now, so step timings exclude imports.

    Also warms Ibis's lazy imports (the DuckDB backend, memtable support: ≈1.5 s), which
    are import costs, not work.
    """
    import ibis.backends.duckdb

    ibis.memtable(pa.table({"warm": [1]}))
    loaded: dict[str, Any] = {}
    for module in ("backend", "tou", "aggregate", "io", "ingest", "materialize"):
        try:
            loaded[module] = importlib.import_module(f"{ENGINE}.{module}")
        except ImportError as exc:
            loaded[module] = exc
    return loaded


MODULES = _preload()


def engine(module: str, name: str) -> Any:
    """`gridcare.metering.engine.<module>.<name>`, or NotAvailable saying which is missing."""
    loaded = MODULES[module]
    if isinstance(loaded, ImportError):
        raise NotAvailable(f"engine/{module}.py not importable ({loaded})")
    try:
        return getattr(loaded, name)
    except AttributeError as exc:
        raise NotAvailable(f"engine/{module}.py has no {name}") from exc


def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call with only the keyword arguments `function` accepts (names may still shift)."""
    parameters = inspect.signature(function).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in parameters}
    return function(*args, **kwargs)


class StageClock:
    """An ingest `progress(stage, done, total)` callback that times each stage (seconds).

    A stage runs from its first callback to the first callback of the next stage (or
    `stop`), so the seconds add up to the whole import.
    """

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.marks: list[tuple[str, float]] = []

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.marks or self.marks[-1][0] != stage:
            self.marks.append((stage, time.perf_counter()))

    def seconds(self) -> dict[str, float]:
        """Seconds per stage, plus `setup` before the first callback, in order."""
        stop = time.perf_counter()
        marks = [("setup", self.started), *self.marks]
        ends = [t for _, t in marks[1:]] + [stop]
        totals: dict[str, float] = {}
        for (stage, begin), end in zip(marks, ends, strict=True):
            totals[stage] = round(totals.get(stage, 0.0) + end - begin, 2)
        return totals


def own_store(ctx: Context) -> Path:
    """The store this engine's imports write (`work/engine/store`, or `work/before/store`)."""
    return ctx.own_store(ctx.work or "engine")


def ingest(ctx: Context, paths: list[Path], store_root: Path, batch_id: str) -> dict[str, Any]:
    """`ingest_files` into `store_root`; returns the report as a dict (+ `stage_seconds`)."""
    ingest_files = engine("ingest", "ingest_files")
    store = engine("io", "Store")(store_root)
    meters = pq.read_table(ctx.ds.meters_parquet, columns=["meter_id"]).column(0).to_pylist()
    clock = StageClock()
    report = call(
        ingest_files,
        [str(p) for p in paths],
        store=store,
        meters=meters,
        now=NOW,
        batch_id=batch_id,
        progress=clock,
        reject_report=store_root.parent / f"{batch_id}.rejected.csv",
    )
    result = report.to_dict() if hasattr(report, "to_dict") else dict(vars(report))
    return {**result, "stage_seconds": clock.seconds()}


def _report_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The counters of an ingest report (without the list of rejections), stage seconds."""
    counters = {k: v for k, v in report.items() if isinstance(v, int) and k != "seconds"}
    return {"report": counters, "seconds": report.get("stage_seconds", {})}


def connect_and_read(ctx: Context) -> tuple[Any, Any, Any, Any]:
    """(connection, readings, meters, transformers) as the engine sees them."""
    con = engine("backend", "connect")("duckdb://")
    readings = engine("backend", "readings_table")(con, ctx.store, ctx.days)
    meters = ibis.memtable(pq.read_table(ctx.ds.meters_parquet))
    transformers = ibis.memtable(pq.read_table(ctx.ds.transformers_parquet))
    return con, readings, meters, transformers


def expressions(ctx: Context) -> tuple[Any, dict[str, Callable[[], Any]]]:
    """The connection and the four core aggregates as expression builders, by step name."""
    con, readings, meters, _ = connect_and_read(ctx)
    calendar = engine("tou", "GUANGDONG_TOU")
    return con, {
        "tou_daily": lambda: engine("aggregate", "daily_tou")(readings, meters, calendar),
        "transformer_load": lambda: engine("aggregate", "transformer_load_curve")(readings, meters),
        "profiles": lambda: engine("aggregate", "meter_profiles")(readings),
        "quality": lambda: engine("aggregate", "completeness")(readings, meters, ctx.days),
    }


def write(con: Any, expr: Any, out: Path) -> int:
    """Execute an expression into one Parquet file; returns its row count."""
    con.to_parquet(expr, out)
    return pq.ParquetFile(out).metadata.num_rows


def stored_readings(store: Path) -> int:
    """Readings in a store (Parquet metadata only)."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in store.glob("readings/*/*.parquet"))


def aggregate_step(step: str, ctx: Context) -> tuple[int, int, dict[str, Any]]:
    """One aggregate, or all four in one process (`pipeline`)."""
    con, builders = expressions(ctx)
    out_dir = ctx.out_dir(ctx.work or "engine")
    names = AGGREGATES if step == "pipeline" else (step,)
    seconds: dict[str, float] = {}
    total = 0
    for name in names:
        started = time.perf_counter()
        total += write(con, builders[name](), out_dir / f"{name}.parquet")
        seconds[name] = round(time.perf_counter() - started, 3)
    extra = {"seconds": seconds} if step == "pipeline" else {}
    return stored_readings(ctx.store), total, extra


def refresh(
    ctx: Context,
    days: list[dt.date],
    additions: dict[dt.date, str] | None = None,
    *,
    root: Path | None = None,
) -> dict[str, Any]:
    """`materialize.refresh` of `days` on the engine's own store (or `root`); returns its
    report."""
    function = engine("materialize", "refresh")
    root = root or own_store(ctx)
    if not any((root / "readings" / f"day={d.isoformat()}").is_dir() for d in days):
        raise NotAvailable("no readings in the engine's store (its ingest did not run)")
    report = function(
        **refresh_arguments(
            function,
            root,
            days=list(days),
            meters=pq.read_table(ctx.ds.meters_parquet),
            transformers=pq.read_table(ctx.ds.transformers_parquet),
            calendar=engine("tou", "GUANGDONG_TOU"),
            additions=additions,
        )
    )
    return report.to_dict() if hasattr(report, "to_dict") else {}


# --- ADAPTER: `materialize.refresh` before and after issue 23 --------------------------
# Before (commit 2f06e3d): `refresh(store_root, days, meters, transformers, tou, backend,
# power_factor, *, store, con, calendar, additions)`, with `store`/`con`/`calendar` as
# aliases. After: one keyword-only signature without aliases. Everything is passed by
# keyword, under the name the measured engine declares. Delete once no "before" checkout
# with the aliases is measured any more.
def refresh_arguments(function: Callable[..., Any], root: Path, **given: Any) -> dict[str, Any]:
    """Keyword arguments for this engine's `refresh`: the store's folder as `root` (else under
    `store`, else `store_root`), the TOU calendar under `calendar` (else `tou`), DuckDB as `backend` (else
    a connection as `con`); of the rest, those it accepts."""
    parameters = inspect.signature(function).parameters
    arguments = {k: v for k, v in given.items() if k in parameters and k != "calendar"}
    if "root" in parameters:  # after issue 23: `root` is the store's folder
        arguments["root"] = root
    else:
        arguments["store" if "store" in parameters else "store_root"] = root
    arguments["calendar" if "calendar" in parameters else "tou"] = given["calendar"]
    if "backend" in parameters:
        arguments["backend"] = "duckdb://"
    else:
        arguments["con"] = engine("backend", "connect")("duckdb://")
    return arguments


# ------------------------------------------------------------------------------------------


def _increment_report_path(ctx: Context) -> Path:
    return own_store(ctx).parent / "increment-report.json"


def _save_increment(ctx: Context, report: dict[str, Any]) -> None:
    """What the extra day's import touched, for the refresh step (another process)."""
    keep = {k: report.get(k) for k in ("batch_id", "days", "added_only")}
    _increment_report_path(ctx).write_text(json.dumps(keep, default=str), encoding="utf-8")


def _increment_touched(ctx: Context) -> tuple[list[dt.date], dict[dt.date, str]]:
    """(days, additions) the extra day's import reported."""
    try:
        saved = json.loads(_increment_report_path(ctx).read_text(encoding="utf-8"))
    except OSError as exc:
        raise NotAvailable("no report of the extra day's import (run increment_ingest)") from exc
    return touched(saved)


def touched(report: dict[str, Any]) -> tuple[list[dt.date], dict[dt.date, str]]:
    """(days, additions) of an import report as a dict (`IngestReport.to_dict`)."""
    days = [dt.date.fromisoformat(d) for d in report["days"]]
    added = [dt.date.fromisoformat(d) for d in report.get("added_only") or []]
    return days, dict.fromkeys(added, report["batch_id"])


def _refresh_summary(report: dict[str, Any]) -> dict[str, Any]:
    """Seconds per materialised aggregate (from the refresh report)."""
    return {a["name"]: round(a["seconds"], 2) for a in report.get("aggregates", [])}


def _written(report: dict[str, Any]) -> int:
    """Rows written by a refresh, over all aggregates; fails if it wrote no daily_tou rows."""
    rows = {a["name"]: int(a.get("rows", 0)) for a in report.get("aggregates", [])}
    if not rows.get("daily_tou"):
        raise RuntimeError(f"materialize.refresh wrote no daily_tou rows: {report}")
    return sum(rows.values())


def import_one_process(ctx: Context, step: str) -> tuple[int, int, dict[str, Any]]:
    """Ingest, then refresh what the import reported, in this one process, the way
    `gridcare meter import` (`metering.services.readings_import_files`) runs them: the
    whole dataset into a fresh store (`import_cli`), or the extra day (`increment_import`)."""
    whole = step == "import_cli"
    files = ctx.ds.csv_files() if whole else ctx.ds.increment_files()
    batch_id = BATCH_ID if whole else INCREMENT_BATCH_ID
    started = time.perf_counter()
    report = ingest(ctx, files, own_store(ctx), batch_id)
    ingested = time.perf_counter()
    days, additions = touched(report)
    refreshed = refresh(ctx, days, additions)
    finished = time.perf_counter()
    _written(refreshed)
    manifest = ctx.ds.load_manifest()
    rows = int(manifest["csv_rows"] if whole else manifest["increment_csv_rows"])
    return (
        rows,
        int(report.get("accepted", 0)),
        {
            "ingest_seconds": round(ingested - started, 3),
            "refresh_seconds": round(finished - ingested, 3),
            "days": len(days),
            "added_days": refreshed.get("added_days", []),
            "refresh": _refresh_summary(refreshed),
        },
    )


def run_step(step: str, ctx: Context) -> tuple[int, int, dict[str, Any]]:
    """One step for `steps.py`: (readings processed, output rows, extra details)."""
    if step == "ingest":
        report = ingest(ctx, ctx.ds.csv_files(), own_store(ctx), BATCH_ID)
        rows = int(ctx.ds.load_manifest()["csv_rows"])
        return rows, int(report.get("accepted", 0)), _report_summary(report)
    if step in (*AGGREGATES, "pipeline"):
        return aggregate_step(step, ctx)
    if step == "refresh_all":
        report = refresh(ctx, ctx.days)
        rows = stored_readings(own_store(ctx))
        return rows, _written(report), {"seconds": _refresh_summary(report)}
    if step == "increment_ingest":
        report = ingest(ctx, ctx.ds.increment_files(), own_store(ctx), INCREMENT_BATCH_ID)
        _save_increment(ctx, report)
        rows = int(ctx.ds.load_manifest()["increment_csv_rows"])
        summary = {**_report_summary(report), "days": report.get("days")}
        return rows, int(report.get("accepted", 0)), summary
    if step in ("import_cli", "increment_import"):
        return import_one_process(ctx, step)
    if step == "increment_refresh":
        days, additions = _increment_touched(ctx)
        report = refresh(ctx, days, additions)
        rows = int(ctx.ds.load_manifest()["increment_csv_rows"])
        extra = {
            "days": [d.isoformat() for d in days],
            "added_days": report.get("added_days", []),
            "seconds": _refresh_summary(report),
        }
        return rows, _written(report), extra
    raise NotAvailable(f"no engine step {step}")
