"""How fast billing reads a month: `billing_reads.meter_usage` over 30 days of `daily_tou`.

    .venv/bin/python -m bench.metering.billing_reads --meters 100000 --days 30 --repeat 5

Writes (once, kept under `var/bench/metering/billing_reads/<meters>x<days>/`) the daily
partitions as the engine lays them out, one Parquet file per Beijing day with the columns
of `schema.aggregate_columns("daily_tou", …)` (synthetic values, seeded), then times in this
process, warm: every meter of the range, and the same with the 100,000 ids passed in
(`meter_ids`), as a billing run does. Prints the median and the fastest of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

FIRST_DAY = dt.date(2026, 6, 1)  # 30 days: the whole of June


def _generate(root: Path, meters: int, days: int) -> None:
    """The daily partitions, with the types the engine writes (`plans._typed`)."""
    import duckdb
    import pyarrow.parquet as pq

    from gridcare.metering.engine import materialize
    from gridcare.metering.engine import schema as s
    from gridcare.metering.engine.tou import GUANGDONG_TOU

    base = materialize.aggregate_dir(root, "daily_tou")
    if (base / "_schema.parquet").is_file():
        return
    columns = [c for c in s.aggregate_columns("daily_tou", GUANGDONG_TOU.buckets) if c[0] != s.DAY]
    con = duckdb.connect()
    con.execute("SELECT setseed(0.42)")
    for i in range(days):
        day = FIRST_DAY + dt.timedelta(days=i)
        values = {
            s.METER_ID: "'MTR' || lpad(m::VARCHAR, 8, '0')",
            s.INTERVALS: "96",
            s.SUSPECT_INTERVALS: "CASE WHEN random() < 0.001 THEN 1 ELSE 0 END",
            s.SUSPECT_KWH: "0.0",
            s.ESTIMATED_INTERVALS: "CASE WHEN random() < 0.05 THEN 1 ELSE 0 END",
            s.ESTIMATED_KWH: "0.0",
            s.MAX_KW: "round(random() * 8, 3)",
            s.MAX_KW_AT: f"TIMESTAMPTZ '{day} 00:00:00+08' + INTERVAL 15 MINUTE * (1 + m % 96)",
        }
        select = ", ".join(
            f"CAST({values.get(c, 'round(random() * 5, 3)')} AS"
            f" {'VARCHAR' if t == 'string' else 'BIGINT' if t == 'int64' else 'TIMESTAMPTZ' if t.startswith('timestamp') else 'DOUBLE'}) AS {c}"
            for c, t in columns
        )
        folder = base / f"day={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"COPY (SELECT {select} FROM range({meters}) AS t(m)) TO '{folder}/data.parquet'"
            " (FORMAT parquet)"
        )
    sample = base / f"day={FIRST_DAY.isoformat()}" / "data.parquet"
    pq.write_table(pq.read_schema(sample).empty_table(), base / "_schema.parquet")
    _write_monthly(root)


def _write_monthly(root: Path) -> None:
    """`monthly` from those days by the engine's own expression, typed as the engine's."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from gridcare.metering.engine import aggregate, materialize
    from gridcare.metering.engine import schema as s
    from gridcare.metering.engine.backend import connect
    from gridcare.metering.engine.tou import GUANGDONG_TOU

    con = connect()
    month = aggregate.monthly(materialize.read_aggregate(con, root, "daily_tou"))
    types = dict(s.aggregate_columns("monthly", GUANGDONG_TOU.buckets))
    table = con.to_pyarrow(month.select(*(month[c].cast(t) for c, t in types.items())))
    base = materialize.aggregate_dir(root, "monthly")
    for value in sorted(set(table.column(s.MONTH).to_pylist())):
        rows = table.filter(pc.equal(table.column(s.MONTH), value)).drop_columns([s.MONTH])
        folder = base / f"month={value.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(rows, folder / "data.parquet")
        pq.write_table(rows.schema.empty_table(), base / "_schema.parquet")


def _time(call, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return seconds, result  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = ROOT / "var" / "bench" / "metering" / "billing_reads" / f"{args.meters}x{args.days}"
    os.environ["GRIDCARE_WAREHOUSE_ROOT"] = str(root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    import django

    django.setup()
    from gridcare.metering import billing_reads

    _generate(root, args.meters, args.days)
    start, end = FIRST_DAY, FIRST_DAY + dt.timedelta(days=args.days - 1)
    ids = [f"MTR{m:08d}" for m in range(args.meters)]
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.meters:,} meters x {args.days} days = {args.meters * args.days:,} daily rows")
    whole = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    day_after = start + dt.timedelta(days=1)
    cases = [
        (f"{start}..{end}{' (monthly)' if whole else ''}", start, end, None),
        ("  the same, meter_ids given", start, end, ids),
        (f"{day_after}..{end} (daily rows)", day_after, end, None),
        ("  the same, meter_ids given", day_after, end, ids),
    ]
    for label, first, last, wanted in cases:

        def call(first: dt.date = first, last: dt.date = last, wanted=wanted):  # type: ignore[no-untyped-def]
            return billing_reads.meter_usage(start=first, end=last, meter_ids=wanted)

        seconds, result = _time(call, args.repeat)
        assert len(result) == args.meters, len(result)
        print(
            f"{label:40} median {statistics.median(seconds):.3f} s,"
            f" fastest {min(seconds):.3f} s ({len(result):,} meters)"
        )


if __name__ == "__main__":
    main()
