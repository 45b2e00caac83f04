"""The engine's compute backend: one URL picks DuckDB or PySpark, the expressions stay the same.

The URL forms are `url`'s: `duckdb://` (default, in this process), a Spark master URL as
Spark writes it (`local[*]`, `spark://host:7077`, `yarn`, `k8s://…`: a PySpark driver in
this process) or `sc://host:15002` (Spark Connect, the driver runs on the server).

Every backend runs with the session time zone at UTC. For Spark the store root must be a
folder that the driver, the executors and this process all see at the same path (local
mode, or a shared mount): Spark reads and writes it as `file://` paths, and the partitions
it writes are moved into place here.

>>> con = connect()
>>> is_spark(con)
False
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from gridcare.metering.engine import schema
from gridcare.metering.engine.url import EngineKind, check_spark_conf, parse_engine_url

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


def connect(url: str = "duckdb://", *, spark_conf: Mapping[str, str] | None = None) -> BaseBackend:
    """An Ibis backend for `url` (see `url.parse_engine_url`); `spark_conf` are Spark
    settings (`url.parse_spark_conf`), e.g. `{"spark.sql.shuffle.partitions": "4"}`.
    Raises ValueError for a URL that names no engine or settings it cannot take."""
    target = parse_engine_url(url)
    conf = check_spark_conf(spark_conf or {}, target.kind)
    if target.kind is EngineKind.DUCKDB:
        return ibis.connect(target.url)
    builder: Any
    if target.kind is EngineKind.SPARK_CONNECT:
        # The Connect client's own builder: pyspark's generic one refuses a remote session
        # in a process that also runs a local one (the engine tests run both).
        from pyspark.sql.connect.session import SparkSession as RemoteSession

        builder = RemoteSession.builder.remote(target.url)
    else:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master(target.url).config("spark.ui.enabled", "false")
    for key, value in {**conf, **_SPARK_CONF}.items():
        builder = builder.config(key, value)
    return from_spark_session(builder.getOrCreate())


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
    reader = con._session.read.option("basePath", spark_path(base))
    return reader.parquet(*[spark_path(f) for f in files])


def spark_path(path: str | Path) -> str:
    """`path` as Spark must see it: a `file://` URI, or a cluster whose default file system
    is HDFS (YARN) would look for it there. Not `Path.as_uri()`: Spark takes the text as
    written, and would look for `day%3D…` folders."""
    return f"file://{Path(path).absolute()}"


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
