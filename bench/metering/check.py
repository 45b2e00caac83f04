"""Do the implementations compute the same thing? Their aggregate outputs, compared row by
row against the hand-written SQL's.

    .venv/bin/python -m bench.metering.check --size S      # after a run (run.py calls it)

pandas must match the SQL exactly (same columns, same keys, values within 1e-9 relative):
it is a baseline only if it does the same work. The engine's outputs have their own column
names and, by design, some differences: its 96-point profiles leave out suspect readings,
so only their keys are compared; the TOU, load curve and quality columns must match.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.metering.common import AGGREGATES, SIZES, Dataset, dataset_for

TOLERANCE = 1e-9  # relative; sums of doubles in another order differ in the last bits

KEYS = {
    "tou_daily": ("meter_id", "day"),
    "transformer_load": ("transformer_id", "ts"),
    "profiles": ("meter_id", "slot"),
    "quality": ("meter_id", "day"),
}
SQL_VALUES = {
    "tou_daily": ("kwh", "kwh_critical", "kwh_peak", "kwh_flat", "kwh_valley"),
    "transformer_load": ("kw", "load_rate"),
    "profiles": ("mean_kwh", "share"),
    "quality": (
        "n",
        "n_actual",
        "n_estimated",
        "n_suspect",
        "n_invalid",
        "n_missing",
        "completeness",
    ),
}
# The engine's column for each SQL column it also computes (public output schema).
ENGINE_VALUES = {
    "tou_daily": {
        "kwh": "kwh",
        "kwh_critical": "kwh_sharp",
        "kwh_peak": "kwh_peak",
        "kwh_flat": "kwh_flat",
        "kwh_valley": "kwh_valley",
    },
    "transformer_load": {"kw": "kw"},
    "profiles": {},  # suspect readings left out by design: keys only
    "quality": {
        "n": "received",
        "n_actual": "actual",
        "n_estimated": "estimated",
        "n_suspect": "suspect",
        "n_missing": "missing",
    },
}


@dataclass(frozen=True)
class Comparison:
    """One aggregate of one implementation against the SQL's."""

    impl: str
    name: str
    rows: int
    sql_rows: int
    only_here: int  # keys the SQL does not have
    only_sql: int  # keys this implementation does not have
    worst: str  # the value column furthest from the SQL's, with its relative difference
    worst_diff: float
    note: str = ""

    @property
    def equal(self) -> bool:
        """Same keys and every compared value within `TOLERANCE`."""
        return (
            self.rows == self.sql_rows
            and not self.only_here
            and not self.only_sql
            and self.worst_diff <= TOLERANCE
        )

    def line(self) -> str:
        """A Markdown bullet line."""
        verdict = "same" if self.equal else "**DIFFERENT**"
        values = f", largest relative difference {self.worst_diff:.1e} ({self.worst})"
        return (
            f"- {self.impl} `{self.name}` against SQL: {verdict} — {self.rows:,} rows"
            f" (SQL {self.sql_rows:,}), keys only here {self.only_here:,}, only in SQL"
            f" {self.only_sql:,}{values if self.worst else ''}{self.note}"
        )


def compare(impl: str, name: str, mine: Path, sql: Path) -> Comparison:
    """Full outer join on the keys (as text), then the largest relative difference."""
    mapping = {c: c for c in SQL_VALUES[name]} if impl == "pandas" else ENGINE_VALUES[name].copy()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM '{mine}'").fetchall()}
    missing = [theirs for theirs in mapping.values() if theirs not in present]
    mapping = {ours: theirs for ours, theirs in mapping.items() if theirs in present}
    keys = KEYS[name]
    on = " AND ".join(f"CAST(a.{k} AS VARCHAR) = CAST(b.{k} AS VARCHAR)" for k in keys)
    diffs = ", ".join(
        f"max(abs(a.{theirs} - b.{ours}) / greatest(1, abs(b.{ours}))) AS {ours}"
        for ours, theirs in mapping.items()
    )
    counts = (
        f"count(*) FILTER (WHERE b.{keys[0]} IS NULL), count(*) FILTER (WHERE a.{keys[0]} IS NULL)"
    )
    relation = con.execute(
        f"SELECT {counts}{', ' + diffs if diffs else ''}"
        f" FROM '{mine}' a FULL OUTER JOIN '{sql}' b ON {on}"
    )
    row = relation.fetchone()
    assert row is not None
    names = [d[0] for d in relation.description][2:]
    worst, worst_diff = (
        max(zip(names, row[2:], strict=True), key=lambda p: p[1] or 0.0) if names else ("", 0.0)
    )
    rows = _count(con, mine)
    note = f"; not in its output: {', '.join(missing)}" if missing else ""
    return Comparison(
        impl, name, rows, _count(con, sql), row[0], row[1], worst, float(worst_diff or 0.0), note
    )


def _count(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    row = con.execute(f"SELECT count(*) FROM '{path}'").fetchone()
    return int(row[0]) if row else 0


def check(ds: Dataset, impls: tuple[str, ...]) -> list[Comparison]:
    """Every aggregate output of `impls` (work folder names) that the SQL also wrote."""
    results = []
    for impl in impls:
        for name in AGGREGATES:
            mine = ds.work(impl) / "out" / f"{name}.parquet"
            sql = ds.work("duckdb") / "out" / f"{name}.parquet"
            if mine.is_file() and sql.is_file():
                results.append(compare(impl, name, mine, sql))
    return results


def main() -> int:
    """Command line: compare what is in the work folders; exit 1 if pandas differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--impls", default="pandas,engine,before")
    args = parser.parse_args()
    results = check(dataset_for(SIZES[args.size], args.out), tuple(args.impls.split(",")))
    for result in results:
        print(result.line())
    return 1 if any(r.impl == "pandas" and not r.equal for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
