"""The engine's compute backend: one URL picks DuckDB or PySpark, the expressions stay the same.

| URL                    | backend                                                      |
| ---------------------- | ------------------------------------------------------------ |
| `duckdb://` (default)  | in-memory DuckDB reading the Parquet store directly           |
| `duckdb:///path.db`    | DuckDB with a database file (spills, persists temp tables)   |
| `spark://local`        | PySpark `local[*]` (`spark://local[4]` for 4 cores)          |
| `sc://host:port`       | Spark Connect (needs `pyspark[connect]`)                      |

Both run with the session time zone at UTC. For Spark the store root must be a path that
the Spark driver and this process both see (local mode, or a shared mount): partitions are
written by Spark and moved into place here.

>>> con = connect()
>>> is_spark(con)
False
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from gridcare.metering.engine import schema

READINGS_DIR = "readings"
DATA_FILE = "data.parquet"

#: Readings columns as the engine sees them (the partition `day` is the Beijing day).
READINGS_SCHEMA = ibis.schema(
    {
        schema.METER_ID: dt.string,
        schema.TS: dt.Timestamp(timezone="UTC", scale=6),
        schema.KWH: dt.float64,
        schema.QUALITY: dt.string,
        schema.BATCH_ID: dt.string,
        schema.DAY: dt.date,
    }
)

_SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",
    # Readable by DuckDB/pyarrow as UTC timestamps (Spark's default is the legacy INT96).
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}


def connect(url: str = "duckdb://", **options: Any) -> BaseBackend:
    """An Ibis backend for `url` (see the module table); `options` go to the backend.

    For `spark://local…` the `options` are Spark conf entries, e.g.
    `connect("spark://local[2]", **{"spark.sql.shuffle.partitions": "4"})`.
    """
    if url.startswith("duckdb://"):
        return ibis.connect(url, **options)
    if url.startswith("spark://") or url.startswith("sc://"):
        from pyspark.sql import SparkSession

        builder: Any = SparkSession.builder
        if url.startswith("sc://"):
            builder = builder.remote(url)
        else:
            master = url.removeprefix("spark://") or "local"
            builder = builder.master("local[*]" if master == "local" else master)
            builder = builder.config("spark.ui.enabled", "false")
        for key, value in {**_SPARK_CONF, **options}.items():
            builder = builder.config(key, value)
        return from_spark_session(builder.getOrCreate())
    raise ValueError(f"unsupported engine URL {url!r}: use duckdb://… , spark://local or sc://…")


def from_spark_session(session: Any) -> BaseBackend:
    """Wrap an existing SparkSession (tests share one) with the engine's session settings."""
    for key, value in _SPARK_CONF.items():
        session.conf.set(key, value)
    return ibis.pyspark.connect(session)


def is_spark(con: BaseBackend) -> bool:
    return bool(con.name == "pyspark")


def partition_files(
    base: Path, key: str, values: Iterable[date] | None = None
) -> list[tuple[date, Path]]:
    """Existing `<base>/<key>=YYYY-MM-DD/data.parquet` files, sorted; all when `values` is None."""
    if values is None:
        found = []
        if base.is_dir():
            for entry in os.scandir(base):
                if entry.name.startswith(f"{key}=") and entry.is_dir():
                    path = Path(entry.path) / DATA_FILE
                    if path.is_file():
                        found.append((date.fromisoformat(entry.name.split("=", 1)[1]), path))
        return sorted(found)
    out = []
    for value in sorted(set(values)):
        path = base / f"{key}={value.isoformat()}" / DATA_FILE
        if path.is_file():
            out.append((value, path))
    return out


def read_partitioned(
    con: BaseBackend,
    base: Path,
    key: str,
    values: Iterable[date] | None,
    empty_schema: ibis.Schema,
) -> ir.Table:
    """Hive-partitioned Parquet under `base`, only the `key=value` partitions asked for.

    Partition pruning is by file list, so only the requested partitions are opened. The
    partition column comes back as a date. With no matching partitions: an empty table of
    `empty_schema`.
    """
    files = [str(p) for _, p in partition_files(Path(base), key, values)]
    if not files:
        return ibis.memtable(empty_schema.to_pyarrow().empty_table())
    if is_spark(con):
        frame = spark_partitions(con, base, files)
        name = ibis.util.gen_name("gridcare_read")
        frame.createOrReplaceTempView(name)
        table = con.table(name)
    else:
        table = con.read_parquet(files, hive_partitioning=True)
    return table.mutate(**{key: table[key].cast("date")})


def spark_partitions(con: BaseBackend, base: Path, files: Sequence[str | Path]) -> Any:
    """A Spark DataFrame of hive-partitioned Parquet `files` under `base` (the partition
    column comes from the folder names)."""
    return con._session.read.option("basePath", str(base)).parquet(*[str(f) for f in files])


def store_path(store: Any) -> Path:
    """The root folder of a store given as a path or as an object with `.root` (io.Store)."""
    if isinstance(store, str | os.PathLike):
        return Path(store)
    return Path(store.root)  # `Path.root` is "/": check for paths first


def readings_table(
    con: BaseBackend, store_root: Any, days: Sequence[date] | None = None
) -> ir.Table:
    """Readings of the store (`<root>/readings/day=…/data.parquet`), only `days` if given.

    `store_root` is a path or an `io.Store`.

    Columns: meter_id, ts (UTC, interval END), kwh (before multiplier), quality, batch_id,
    day (Beijing day of the interval start, from the partition).
    """
    table = read_partitioned(
        con, store_path(store_root) / READINGS_DIR, schema.DAY, days, READINGS_SCHEMA
    )
    return table.select(*READINGS_SCHEMA.names)
