"""Writes the generated ingestion fixtures next to this file (the hand-written CSVs are
committed as they are). Run it again after changing a fixture:

    .venv/bin/python tests/engine/data/make_fixtures.py

Every fixture is tiny and deterministic; `test_ingest_*.py` asserts exact line numbers in
them, so keep the row order. Times are Beijing (+08:00); the tests use
NOW = 2024-05-02T00:30:00+08:00 and the known meters M1, M2, M3.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
POINTS = [f"p{i}" for i in range(1, 97)]


def bj(day: int, hh: int, mm: int) -> datetime:
    """UTC instant of a Beijing wall-clock time on 2024-05-<day>."""
    return datetime(2024, 5, day, hh, mm, tzinfo=UTC) - timedelta(hours=8)


def wide_values(base: float) -> list[str]:
    """96 distinct, exactly representable values: base + i/8."""
    return [repr(base + i / 8) for i in range(96)]


def wide_bad_rows() -> list[list[str]]:
    """Rows (without header) of `wide_bad_rows.csv` / `.parquet`.

    line 2: M1 2024-05-01, p17 unparseable, p18 negative (only those two points rejected)
    line 3: X9 — unknown meter (one rejection for the line)
    line 4: M2 with date 2024-13-01 — unparseable date (one rejection)
    line 5: M2 2024-05-01, p5 empty (missing → estimated from p4 and p6)
    line 6: M3 2024-05-02, p1..p3 given: p1, p2 (= NOW) stored, p3 in the future
    """
    m1 = wide_values(0.0)
    m1[16], m1[17] = "abc", "-0.5"
    m2 = wide_values(1.0)
    m2[4] = ""
    m3 = ["0.25", "0.5", "0.75"] + [""] * 93
    return [
        ["M1", "2024-05-01", *m1],
        ["X9", "2024-05-01", *wide_values(0.0)],
        ["M2", "2024-13-01", *wide_values(0.0)],
        ["M2", "2024-05-01", *m2],
        ["M3", "2024-05-02", *m3],
    ]


def write_wide_csv() -> None:
    lines = [",".join(["meter", "date", *POINTS])]
    lines += [",".join(row) for row in wide_bad_rows()]
    (HERE / "wide_bad_rows.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The same file cut in the middle of its last row (no newline at the end).
    cut = "\n".join(lines)
    (HERE / "wide_truncated.csv").write_text(cut[: len(cut) - 50], encoding="utf-8")


def write_wide_parquet() -> None:
    rows = wide_bad_rows()
    columns: dict[str, list[object]] = {"meter": [r[0] for r in rows], "date": [r[1] for r in rows]}
    for i, name in enumerate(POINTS):
        columns[name] = [r[2 + i] or None for r in rows]
    pq.write_table(pa.table(columns), HERE / "wide_bad_rows.parquet")


def long_text_rows() -> list[tuple[str | None, str | None, str | None]]:
    """`long_bad_rows.csv` as text rows (the Parquet copy keeps them as strings)."""
    with (HERE / "long_bad_rows.csv").open(encoding="utf-8") as handle:
        next(handle)
        out = []
        for line in handle:
            meter, ts, kwh = line.rstrip("\n").split(",")
            out.append((meter or None, ts or None, kwh or None))
    return out


def write_long_parquet() -> None:
    rows = long_text_rows()
    table = pa.table(
        {
            "meter": pa.array([r[0] for r in rows], pa.string()),
            "ts": pa.array([r[1] for r in rows], pa.string()),
            "kwh": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    pq.write_table(table, HERE / "long_bad_rows.parquet")


def write_long_typed_parquet() -> None:
    """Typed columns (ts timestamp UTC, kwh double, quality string), 1-based rows:

    1 M1 00:15 0.5 A (good)      2 M1 00:30 -1 (negative)    3 X9 00:45 (unknown meter)
    4 M1 00:40 (off grid)        5 M1 05-02 01:00 (future)   6 M1 00:45 kwh null
    7 M2 00:15 2.0 quality Q     8 M2 00:30 2.5 quality S (good, kept S)
    """
    rows = [
        ("M1", bj(1, 0, 15), 0.5, "A"),
        ("M1", bj(1, 0, 30), -1.0, None),
        ("X9", bj(1, 0, 45), 0.5, None),
        ("M1", bj(1, 0, 40), 0.5, None),
        ("M1", bj(2, 1, 0), 0.5, None),
        ("M1", bj(1, 0, 45), None, None),
        ("M2", bj(1, 0, 15), 2.0, "Q"),
        ("M2", bj(1, 0, 30), 2.5, "S"),
    ]
    table = pa.table(
        {
            "meter_id": pa.array([r[0] for r in rows], pa.string()),
            "ts": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
            "kwh": pa.array([r[2] for r in rows], pa.float64()),
            "quality": pa.array([r[3] for r in rows], pa.string()),
        }
    )
    pq.write_table(table, HERE / "long_typed.parquet")


def write_wrong_schema_parquet() -> None:
    table = pa.table(
        {
            "meter": ["M1"],
            "timestamp": pa.array([bj(1, 0, 15)], pa.timestamp("us", tz="UTC")),
            "value": [0.5],
            "unit": ["kWh"],
        }
    )
    pq.write_table(table, HERE / "wrong_schema.parquet")


def write_gbk_csv() -> None:
    """A GB18030 export: lines 1–3 are ASCII, line 4 is the first that is not UTF-8."""
    text = (
        "meter,ts,kwh\n"
        "M1,2024-05-01T00:15:00+08:00,0.5\n"
        "M1,2024-05-01T00:30:00+08:00,0.6\n"
        "电表1,2024-05-01T00:45:00+08:00,0.7\n"
        "M1,2024-05-01T01:00:00+08:00,0.8\n"
    )
    (HERE / "gbk.csv").write_bytes(text.encode("gb18030"))


def main() -> None:
    write_wide_csv()
    write_wide_parquet()
    write_long_parquet()
    write_long_typed_parquet()
    write_wrong_schema_parquet()
    write_gbk_csv()


if __name__ == "__main__":
    main()
