"""The Parquet store: day partitions, atomic replace, the edit log, reading back.

Layout under `Store.root` (columns and units: see `schema`):

    readings/day=YYYY-MM-DD/data.parquet        meter_id, ts, kwh, quality, batch_id
    edits/day=YYYY-MM-DD/part-<batch_id>.parquet meter_id, ts, old_kwh, new_kwh,
                                                 old_quality, quality, old_batch_id,
                                                 batch_id, edited_at
    .lock                                        held (flock) while an import writes

`day` is the Beijing calendar day of the interval start (`schema`). Each day file is sorted by
(meter_id, ts), zstd-compressed, in row groups of `ROW_GROUP_SIZE` rows (DuckDB's own row
group size, so one scan thread reads one row group). The `day` column lives only in the
folder name; read with `hive_partitioning` (see `Store.readings_glob`) to get it back.

Writes never touch a published file: a `Transaction` writes every new file next to its
destination under a hidden temporary name (not matching `*.parquet`), fsyncs it, and only
when all files of the import are written renames them into place (`os.replace`, atomic per
file) and fsyncs the folders. On any error before that, the temporary files are removed and
the store is exactly as before.

>>> import tempfile
>>> store = Store(Path(tempfile.mkdtemp()))
>>> store.day_path(date(2024, 5, 1)).relative_to(store.root).as_posix()
'readings/day=2024-05-01/data.parquet'
>>> store.days()
[]
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from gridcare.metering.engine import schema

READINGS = "readings"
EDITS = "edits"
DATA_FILE = "data.parquet"
DAY_PREFIX = f"{schema.DAY}="
ROW_GROUP_SIZE = 122_880
PARQUET_OPTIONS = f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_SIZE}"
WRITE_TRIES = 3

# Edit-log columns beyond `schema` (the contract has old/new kwh and old batch id).
OLD_QUALITY = schema.OLD_QUALITY
EDIT_COLUMNS = (
    schema.METER_ID,
    schema.TS,
    schema.OLD_KWH,
    schema.NEW_KWH,
    OLD_QUALITY,
    schema.QUALITY,
    schema.OLD_BATCH_ID,
    schema.BATCH_ID,
    schema.EDITED_AT,
)

_READING_CASTS = (
    "meter_id::VARCHAR AS meter_id, ts::TIMESTAMPTZ AS ts, kwh::DOUBLE AS kwh,"
    " quality::VARCHAR AS quality, batch_id::VARCHAR AS batch_id"
)
_DAY_DIR = re.compile(r"^day=(\d{4}-\d{2}-\d{2})$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
_TMP_SUFFIX = ".tmp"
_log = logging.getLogger(__name__)


def sql_str(text: str | Path) -> str:
    """A SQL string literal (single quotes doubled).

    >>> sql_str("it's")
    "'it''s'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def fetch_one(con: duckdb.DuckDBPyConnection, query: str) -> tuple[Any, ...]:
    """The first row of `query`, reading the result to its end (the connection stays free)."""
    rows = con.execute(query).fetchall()
    return tuple(rows[0]) if rows else ()


def check_batch_id(batch_id: str) -> str:
    """`batch_id` if it is safe in a file name (letters, digits, `_.-`), else ValueError."""
    if not _SAFE_NAME.match(batch_id):
        raise ValueError(f"batch_id must match {_SAFE_NAME.pattern}: {batch_id!r}")
    return batch_id


@dataclass(frozen=True)
class Store:
    """A readings store rooted at `root` (created on first write)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def readings_dir(self) -> Path:
        """`<root>/readings`: one `day=YYYY-MM-DD` folder per Beijing day."""
        return self.root / READINGS

    @property
    def edits_dir(self) -> Path:
        """`<root>/edits`: replaced values, one `part-<batch_id>.parquet` per import and day."""
        return self.root / EDITS

    def day_dir(self, day: date) -> Path:
        return self.readings_dir / f"{DAY_PREFIX}{day.isoformat()}"

    def day_path(self, day: date) -> Path:
        """The Parquet file holding every reading of one Beijing day."""
        return self.day_dir(day) / DATA_FILE

    def edits_path(self, day: date, batch_id: str) -> Path:
        """The edit-log part written by import `batch_id` for `day`."""
        return self.edits_dir / f"{DAY_PREFIX}{day.isoformat()}" / f"part-{batch_id}.parquet"

    def days(self) -> list[date]:
        """Days that have a readings file, sorted."""
        if not self.readings_dir.is_dir():
            return []
        found = []
        for entry in self.readings_dir.iterdir():
            match = _DAY_DIR.match(entry.name)
            if match and (entry / DATA_FILE).is_file():
                found.append(date.fromisoformat(match.group(1)))
        return sorted(found)

    def readings_glob(self) -> str:
        """Glob of all readings files, for `read_parquet(…, hive_partitioning = true)`."""
        return str(self.readings_dir / f"{DAY_PREFIX}*" / DATA_FILE)

    def edits_glob(self) -> str:
        """Glob of all edit-log parts, for `read_parquet(…, hive_partitioning = true)`."""
        return str(self.edits_dir / f"{DAY_PREFIX}*" / "part-*.parquet")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive lock on the store (POSIX `flock` on `<root>/.lock`) for one import.

        Imports read a day, merge and replace it; two at once would lose one's values.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


# --- reading -------------------------------------------------------------------------------


def readings_sql(paths: Iterable[Path]) -> str:
    """SQL (a subquery) over the given readings files; no rows if `paths` is empty.

    Columns: meter_id VARCHAR, ts TIMESTAMPTZ (UTC), kwh DOUBLE, quality VARCHAR,
    batch_id VARCHAR.
    """
    files = [sql_str(p) for p in paths]
    if not files:
        return (
            "(SELECT NULL::VARCHAR AS meter_id, NULL::TIMESTAMPTZ AS ts, NULL::DOUBLE AS kwh,"
            " NULL::VARCHAR AS quality, NULL::VARCHAR AS batch_id WHERE false)"
        )
    columns = ", ".join(schema.READING_COLUMNS)
    return f"(SELECT {columns} FROM read_parquet([{', '.join(files)}]))"


def read_days(
    con: duckdb.DuckDBPyConnection, store: Store, days: Iterable[date]
) -> duckdb.DuckDBPyRelation:
    """The stored readings of `days` (missing days are skipped), as a DuckDB relation."""
    paths = [store.day_path(d) for d in sorted(set(days))]
    return con.sql(f"SELECT * FROM {readings_sql(p for p in paths if p.is_file())}")


# --- writing -------------------------------------------------------------------------------


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on folders
        _fsync_file(path)


@dataclass
class Transaction:
    """Files written under temporary names, published together by `commit`.

    >>> import tempfile
    >>> con = duckdb.connect()
    >>> dest = Path(tempfile.mkdtemp()) / "day=2024-05-01" / "data.parquet"
    >>> with Transaction(tag="doc") as tx:
    ...     tx.write_parquet(con, "SELECT 1 AS x", dest)
    ...     dest.exists()
    False
    >>> dest.exists()
    True
    """

    tag: str = "tx"
    pending: list[tuple[Path, Path]] = field(default_factory=list)
    created_dirs: list[Path] = field(default_factory=list)

    def temp_path(self, dest: Path) -> Path:
        """Hidden sibling of `dest` (same folder, so `os.replace` is atomic)."""
        return dest.with_name(f".{dest.name}.{self.tag}{_TMP_SUFFIX}")

    def _mkdir(self, folder: Path) -> None:
        missing = []
        probe = folder
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        folder.mkdir(parents=True, exist_ok=True)
        self.created_dirs.extend(reversed(missing))

    def write_parquet(self, con: duckdb.DuckDBPyConnection, query: str, dest: Path) -> None:
        """Run `query` (it orders its rows) into a temporary Parquet file for `dest`."""
        self._mkdir(dest.parent)
        temp = self.temp_path(dest)
        if (temp, dest) not in self.pending:  # written again: the new file replaces it
            self.pending.append((temp, dest))
        con.execute(f"COPY ({query}) TO {sql_str(temp)} ({PARQUET_OPTIONS})")
        _fsync_file(temp)

    def commit(self) -> None:
        """Rename every temporary file into place, then fsync the folders."""
        folders = set()
        for temp, dest in self.pending:
            os.replace(temp, dest)
            folders.add(dest.parent)
        for folder in sorted(folders | {d.parent for d in self.created_dirs}):
            _fsync_dir(folder)
        self.pending.clear()
        self.created_dirs.clear()

    def discard(self) -> None:
        """Remove the temporary files and the folders this transaction created."""
        for temp, _ in self.pending:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        for folder in reversed(self.created_dirs):
            with contextlib.suppress(OSError):  # not empty: someone else wrote there
                folder.rmdir()
        self.pending.clear()
        self.created_dirs.clear()

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


_LEFTOVER_FILE = re.compile(r"^\..+(\.tmp|\.[0-9a-f]{32})$")  # hidden temporaries


def remove_leftovers(root: Path) -> int:
    """Remove what writers killed mid-write leave under a warehouse `root`: hidden temporary
    files (`.<name>.<tag>.tmp`, `.<name>.<uuid hex>`), hidden `.staging-*` folders, and empty
    `day=…` folders. Returns how many were removed. Call only while no writer runs (under
    the writer lock): these are exactly what a running writer has not published yet."""
    root = Path(root)
    if not root.is_dir():
        return 0
    removed = 0
    for path in sorted(root.rglob(".*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name.startswith(".staging-"):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        elif path.is_file() and _LEFTOVER_FILE.match(path.name):
            path.unlink(missing_ok=True)
            removed += 1
    for folder in (root / READINGS, root / EDITS):
        for day in folder.glob(f"{DAY_PREFIX}*") if folder.is_dir() else ():
            if day.is_dir() and not any(day.iterdir()):
                day.rmdir()
                removed += 1
    return removed


_QUALITIES_SQL = ", ".join(
    sql_str(q) for q in (schema.QUALITY_ACTUAL, schema.QUALITY_ESTIMATED, schema.QUALITY_SUSPECT)
)


def bad_readings(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Readings of a day file without a valid quality, meter id or batch id."""
    return int(
        fetch_one(
            con,
            f"SELECT count(*) FROM read_parquet({sql_str(path)})"
            f" WHERE quality IS NULL OR quality NOT IN ({_QUALITIES_SQL})"
            " OR coalesce(meter_id, '') = '' OR coalesce(batch_id, '') = ''",
        )[0]
    )


def write_day_checked(
    tx: Transaction, con: duckdb.DuckDBPyConnection, query: str, dest: Path
) -> None:
    """`tx.write_parquet` of a day's readings, read back before it can be published.

    Day files are written from ENUM columns (meter, quality, batch id): DuckDB writes their
    dictionaries without hashing each value, 0.6–1.0 s for a day of 1.9 M readings on S
    against 2.0–2.7 s from VARCHAR columns or 1.0–1.3 s through pyarrow's writer, and an
    S import wrote its days in 2.2–2.9 s this way against 4.5–6.8 s through pyarrow
    (2026-12-07, DuckDB 2.0.1). But DuckDB 2.0.0 wrote a spike's quality `S` as '' in about
    0.4 % of such files (1 L import in 10), at random: the same write again was right. So
    each file is read back (a scan of its small columns) and written again by the same
    query, at most `WRITE_TRIES` times in all; then this raises and nothing is published.
    """
    for _ in range(WRITE_TRIES):
        tx.write_parquet(con, query, dest)
        bad = bad_readings(con, tx.temp_path(dest))
        if not bad:
            return
        _log.warning("%s: %d readings written wrongly by DuckDB, writing again", dest, bad)
    raise RuntimeError(f"{dest}: {bad} readings written without a valid quality or id")


def write_day_atomic(
    con: duckdb.DuckDBPyConnection, store: Store, query: str, day: date, *, tag: str = "tx"
) -> Path:
    """Replace the readings file of `day` with the rows of `query` (sorted here), atomically.

    `query` yields the `schema.READING_COLUMNS` (cast here to the contract's types); rows
    are written sorted by (meter_id, ts).
    """
    dest = store.day_path(day)
    select = f"SELECT {_READING_CASTS} FROM ({query}) ORDER BY meter_id, ts"
    with Transaction(tag=tag) as tx:
        tx.write_parquet(con, select, dest)
    return dest


def append_edits(
    con: duckdb.DuckDBPyConnection,
    store: Store,
    query: str,
    day: date,
    batch_id: str,
    *,
    tx: Transaction | None = None,
) -> Path:
    """Write the edit-log part of import `batch_id` for `day` (columns `EDIT_COLUMNS`).

    Appending means a new file per import; re-running the same `batch_id` replaces its part.
    """
    dest = store.edits_path(day, check_batch_id(batch_id))
    columns = ", ".join(EDIT_COLUMNS)
    select = f"SELECT {columns} FROM ({query}) ORDER BY meter_id, ts"
    if tx is not None:
        tx.write_parquet(con, select, dest)
    else:
        with Transaction(tag=batch_id) as own:
            own.write_parquet(con, select, dest)
    return dest
