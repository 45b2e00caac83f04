"""One import's room on a DuckDB connection: temporary tables named for this import only, and
the session settings an import relies on, put back as they were when it ends.

Every step of `ingest` takes a `Workspace` plus plain table names and parameters; nothing
else is shared between steps.

>>> with Workspace.open(None) as ws:
...     t = ws.table("x")
...     _ = ws.con.execute(f"CREATE TEMP TABLE {t} AS SELECT 1 AS a")
...     ws.count(t)
1
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb

from gridcare.metering.engine.io import fetch_one, sql_str
from gridcare.metering.engine.parse import BEIJING_TIME_ZONE


@dataclass
class Workspace:
    """A connection and the temporary tables one import created on it (`table`)."""

    con: duckdb.DuckDBPyConnection
    prefix: str = field(default_factory=lambda: f"_gc_ingest_{uuid.uuid4().hex[:10]}")
    tables: list[str] = field(default_factory=list)
    restore: list[str] = field(default_factory=list)  # statements that undo our settings

    @classmethod
    @contextlib.contextmanager
    def open(cls, con: duckdb.DuckDBPyConnection | None) -> Iterator[Workspace]:
        """A workspace on `con` (a new in-memory connection if None). On exit its tables and
        types are dropped and the caller's settings restored (a connection of our own is
        closed)."""
        own = con is None
        ws = cls(duckdb.connect() if con is None else con)
        try:
            ws._configure()
            yield ws
        finally:
            for name in reversed(ws.tables):
                with contextlib.suppress(duckdb.Error):
                    ws.con.execute(f"DROP TABLE IF EXISTS {name}")
            for statement in ws.restore:
                with contextlib.suppress(duckdb.Error):
                    ws.con.execute(statement)
            if own:
                ws.con.close()

    def _configure(self) -> None:
        """Settings the import relies on (`restore` puts them back)."""
        restore = self.restore
        if not fetch_one(self.con, "SELECT current_setting('preserve_insertion_order')")[0]:
            # Line numbers come from insertion order.
            self.con.execute("SET preserve_insertion_order = true")
            restore.append("SET preserve_insertion_order = false")
        if fetch_one(self.con, "SELECT current_setting('enable_progress_bar')")[0]:
            self.con.execute("SET enable_progress_bar = false")  # callers show their own
            restore.append("SET enable_progress_bar = true")
        zone = str(fetch_one(self.con, "SELECT current_setting('TimeZone')")[0])
        if zone != BEIJING_TIME_ZONE:  # naive text is Beijing time (`parse.ts_us_sql`)
            self.con.execute(f"SET TimeZone = {sql_str(BEIJING_TIME_ZONE)}")
            restore.append(f"SET TimeZone = {sql_str(zone)}")
        # DuckDB's CSV reader creates this type for its rejects tables: leave no trace.
        if not self.con.execute(
            "SELECT 1 FROM duckdb_types() WHERE type_name = 'CSV_ERROR_TYPE'"
        ).fetchall():
            restore.append("DROP TYPE IF EXISTS main.CSV_ERROR_TYPE")

    def table(self, name: str) -> str:
        """The name of this import's temporary table `name` (dropped when it ends)."""
        full = f"{self.prefix}_{name}"
        if full not in self.tables:
            self.tables.append(full)
        return full

    def enum_type(self, name: str, values_sql: str) -> str:
        """Create this import's ENUM type `name` of the values of `values_sql`, in order."""
        full = f"{self.prefix}_{name}"
        self.con.execute(f"CREATE TEMP TYPE {full} AS ENUM ({values_sql})")
        self.restore.insert(0, f"DROP TYPE IF EXISTS {full}")  # before CSV_ERROR_TYPE
        return full

    def drop(self, *names: str) -> None:
        for name in names:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def count(self, relation: str) -> int:
        """Rows of a table, or of `table WHERE …`."""
        return int(fetch_one(self.con, f"SELECT count(*) FROM {relation}")[0])
