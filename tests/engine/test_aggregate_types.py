"""One schema per aggregate whichever backend wrote it, and no value that is not a number.

A warehouse outlives its engine: an operator moves from DuckDB to Spark (or back) and the
partitions written before stay. Every aggregate is therefore cast to `schema`'s columns,
and Spark, which refuses to read one column stored as two types, reads both backends'
partitions as one table.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import ibis
import pyarrow.parquet as pq

from gridcare.metering.engine import materialize
from gridcare.metering.engine import schema as s
from gridcare.metering.engine.backend import connect, from_spark_session, partition_files
from gridcare.metering.engine.tou import GUANGDONG_TOU
from tests.engine.test_aggregate_refresh import DAYS, build, dims


def stored_types(root: Path, name: str) -> set[tuple[tuple[str, str], ...]]:
    """The distinct column types of `name`'s partition files (one per backend if they differ)."""
    key = materialize.partition_key(name)
    found = set()
    for _, path in partition_files(materialize.aggregate_dir(root, name), key):
        arrow = pq.read_schema(path)
        found.add(tuple((f.name, str(f.type)) for f in arrow))
    return found


def declared(name: str) -> tuple[tuple[str, str], ...]:
    key = materialize.partition_key(name)
    columns = s.aggregate_columns(name, GUANGDONG_TOU.buckets)
    return tuple((c, str(ibis.dtype(t).to_pyarrow())) for c, t in columns if c != key)


def test_days_written_by_duckdb_and_by_spark_read_back_as_one_table_on_both(  # type: ignore[no-untyped-def]
    mk, spark_session, tmp_path
) -> None:
    duckdb, spark = connect(), from_spark_session(spark_session)
    meters, transformers = dims(mk)
    mixed, alone = tmp_path / "mixed", tmp_path / "alone"
    build(mk, mixed, DAYS)
    build(mk, alone, DAYS)
    dimensions = {"meters": meters, "transformers": transformers}
    # 01-30, 01-31 and their month by DuckDB; then the engine switched: February by Spark.
    materialize.refresh(root=mixed, days=DAYS[:2], backend=duckdb, **dimensions)
    materialize.refresh(root=mixed, days=DAYS[2:], backend=spark, **dimensions)
    materialize.refresh(root=alone, days=DAYS, backend=duckdb, **dimensions)

    want = mk.aggregates(duckdb, alone)
    assert mk.aggregates(spark, mixed) == want
    assert mk.aggregates(duckdb, mixed) == want
    for name in materialize.AGGREGATES:
        if name != "meter_profile":  # written from NumPy, not by a backend
            assert stored_types(mixed, name) == {declared(name)}, name


def test_a_stored_absurd_value_cannot_make_an_aggregate_infinite(backend, mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    day = date(2024, 3, 5)
    rows = mk.day_series("m1", day, 0.5) + mk.day_series("m2", day, 0.25)
    # What a faulty head-end or an older import may have stored: a suspect spike at the
    # largest double, an actual reading that overflows once multiplied, ±inf and NaN.
    rows[10] = (*rows[10][:2], 1.8e308, "S")
    rows[11] = (*rows[11][:2], float("inf"), "A")
    rows[12] = (*rows[12][:2], float("nan"), "E")
    rows[96 + 20] = (*rows[96 + 20][:2], 1.7e308, "A")  # m2 is ×30: +inf once multiplied
    rows[96 + 21] = (*rows[96 + 21][:2], float("-inf"), "A")
    rows[96 + 22] = (*rows[96 + 22][:2], 3.0, "S")  # a plausible suspect value: held
    mk.write_store(tmp_path, mk.readings(rows))
    meters = mk.meters([("m1", "T1", 1, False), ("m2", "T1", 30, False), ("tot", "T1", 1, True)])
    materialize.refresh(
        root=tmp_path,
        days=[day],
        meters=meters,
        transformers=mk.transformers([("T1", 50)]),
        backend=backend,
    )

    found = mk.aggregates(backend, tmp_path)
    numbers = [
        (name, column, value)
        for name, rows_of in found.items()
        for row in rows_of or []
        for column, cell in row.items()
        for value in (cell if isinstance(cell, list) else [cell])  # profiles: 96 slot sums
        if isinstance(value, float)
    ]
    assert numbers
    assert [n for n in numbers if not math.isfinite(n[2])] == []
    daily = {r["meter_id"]: r for r in found["daily_tou"] or []}
    assert daily["m1"]["kwh"] == 0.5 * 93  # billing: the 93 actual readings only
    assert (daily["m1"]["suspect_intervals"], daily["m1"]["suspect_kwh"]) == (3, 0.0)
    assert daily["m2"]["kwh"] == 0.25 * 93 * 30
    assert (daily["m2"]["suspect_intervals"], daily["m2"]["suspect_kwh"]) == (3, 3.0 * 30)
    [peak] = found["transformer_peak"] or []
    assert peak["peak_kw"] == (0.5 + 0.25 * 30) * 4
