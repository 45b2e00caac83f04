"""Aggregate queries compiled once and run over named relations.

Compiling an Ibis expression to SQL costs 40–90 ms (graph rewrites in Python), about as much
as running it over one day of 20,000 meters. A refresh therefore builds each aggregate over
*placeholders*, unbound Ibis tables with fixed names (`placeholder`), compiles it once per
backend and shape, and runs the SQL text over whatever those names are bound to this time
(`Session.bind_parquet`, `bind_arrow`): the day files an import touched, the meters
dimension, the days asked for.

Compiled text is kept in memory and, when the session has a `cache_dir`, on disk (one
`<key>.sql` file per query, written atomically), so that a new process (`gridcare meter
import` is one) starts warm. The key covers everything the text depends on: the backend,
the Ibis version, the source of the engine modules that build expressions, and the
caller's description of the shape (aggregate name, schemas, calendar, settings). A stale
or unreadable file is compiled again.

>>> import ibis, pyarrow as pa
>>> from gridcare.metering.engine.backend import connect
>>> session = Session(connect())
>>> t = placeholder("_gc_doc", ibis.schema({"a": "int64"}))
>>> sql = session.sql("doc-max", lambda: t.aggregate(top=t.a.max()))
>>> session.bind_arrow("_gc_doc", pa.table({"a": [1, 2, 3]}))
>>> session.fetch(sql).to_pylist()
[{'top': 3}]
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from gridcare.metering.engine.backend import is_spark, spark_partitions, spark_path
from gridcare.metering.engine.io import sql_str  # both dialects double the quote

#: The modules whose code shapes the compiled text: a change to any of them is a new key.
_SOURCES: Final = ("aggregate.py", "tou.py", "schema.py", "backend.py", "plans.py", "queries.py")
_MEMORY: dict[str, str] = {}


def _fingerprint() -> str:
    digest = hashlib.sha256(ibis.__version__.encode())
    here = Path(__file__).parent
    for name in _SOURCES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


_FINGERPRINT: Final = _fingerprint()


def placeholder(name: str, schema: ibis.Schema) -> ir.Table:
    """An unbound table `name` of `schema`: compiles to a reference to that name."""
    return ibis.table(schema, name=name)


def schema_key(schema: ibis.Schema) -> str:
    """A stable text of a schema, for cache keys."""
    return ",".join(f"{n}:{t}" for n, t in schema.items())


class Session:
    """Compiled queries and name bindings on one backend connection."""

    def __init__(self, con: BaseBackend, cache_dir: Path | None = None) -> None:
        self.con = con
        self.spark = is_spark(con)
        self.cache_dir = cache_dir

    # --- compiling ---

    def sql(self, key: str, build: Callable[[], ir.Table]) -> str:
        """The SQL of `build()` for the shape `key`, compiled at most once."""
        digest = hashlib.sha256(f"{_FINGERPRINT}|{self.con.name}|{key}".encode()).hexdigest()
        if digest in _MEMORY:
            return _MEMORY[digest]
        path = self.cache_dir / f"{digest[:32]}.sql" if self.cache_dir else None
        text = _read_text(path) if path else None
        if text is None:
            text = str(self.con.compile(build()))
            if path is not None:
                _write_text(path, text)
        _MEMORY[digest] = text
        return text

    # --- binding names ---

    def bind_parquet(
        self,
        name: str,
        files: Sequence[Path],
        columns: str,
        *,
        base: Path,
        key: str,
        empty: pa.Schema,
        where: str | None = None,
    ) -> None:
        """`name` := `SELECT columns` over hive-partitioned Parquet `files` under `base`,
        the partition `key` read as a DATE, only the rows matching the SQL condition
        `where` if given; with no files, an empty table of `empty`."""
        if not files:
            self.bind_arrow(name, empty.empty_table())
            return
        condition = f" WHERE {where}" if where else ""
        if self.spark:
            raw = f"{name}_files"
            spark_partitions(self.con, base, files).createOrReplaceTempView(raw)
            self.con._session.sql(
                f"SELECT {columns}, CAST({key} AS DATE) AS {key} FROM {raw}{condition}"
            ).createOrReplaceTempView(name)
            return
        listed = ", ".join(sql_str(f) for f in files)
        self.con.raw_sql(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {columns},"
            f" CAST({key} AS DATE) AS {key}"
            f" FROM read_parquet([{listed}], hive_partitioning = true){condition}"
        )

    def bind_union(self, name: str, parts: Sequence[str]) -> None:
        """`name` := the rows of the bound names `parts` (same columns), one after another."""
        union = " UNION ALL ".join(f"SELECT * FROM {part}" for part in parts)
        if self.spark:
            self.con._session.sql(union).createOrReplaceTempView(name)
            return
        self.con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {union}")

    def bind_arrow(self, name: str, table: pa.Table) -> None:
        """`name` := an Arrow table (small dimensions, lists of days)."""
        if self.spark:
            from pyspark.sql.pandas.types import from_arrow_schema

            # Arrow straight in (pyspark 4), one chunk per column: Spark Connect refuses a
            # table of several chunks where local Spark fell back to a slow pandas path.
            # Spark infers no schema from an empty table: it is given then.
            schema = None if table.num_rows else from_arrow_schema(table.schema)
            frame = self.con._session.createDataFrame(table.combine_chunks(), schema)
            frame.createOrReplaceTempView(name)
            return
        raw = self.con.con  # the DuckDB connection; the name is always a view
        raw.register(f"{name}_arrow", table)
        raw.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_arrow")

    # --- running ---

    def fetch(self, sql: str) -> pa.Table:
        """Run a query, the result as Arrow."""
        if self.spark:
            return self.con.sql(sql).to_pyarrow()
        return self.con.con.sql(sql).fetch_arrow_table()

    def copy_partitioned(self, sql: str, target: Path, key: str) -> None:
        """Write a query's rows as hive partitions by `key` under `target`."""
        if self.spark:
            frame = self.con._session.sql(sql)
            frame.repartition(key).write.partitionBy(key).parquet(spark_path(target))
            return
        self.con.raw_sql(
            f"COPY ({sql}) TO {sql_str(target)} (FORMAT parquet, PARTITION_BY ({key}))"
        ).fetchall()


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write_text(path: Path, text: str) -> None:
    """Atomically (a reader never sees half a query); a read-only store just stays cold."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        return
