"""Metering use cases: importing readings (files or API records) and refreshing aggregates.

Readings and aggregates live in the Parquet warehouse (engine); this module records each
import as an `ImportBatch`, serialises writers with a file lock (one writer per warehouse),
refreshes exactly the days an import touched and syncs per-transformer statistics into the
ORM so console lists stay cheap.

An import that died (SIGKILL, a lost machine) leaves its batch `running` and temporary files
in the warehouse. The writer lock says it died: flock is released with the process, so
whoever holds the lock is the only live import. Each import, once it holds the lock, first
marks every other `running` batch failed and sweeps the leftovers (`imports_recover`); the
store itself needs no repair, since nothing is published until a whole import is written.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.metering import warehouse
from gridcare.metering.choices import ImportSource, ImportStatus
from gridcare.metering.engine.ingest import (
    FileFormatError,
    IngestReport,
    ingest_files,
    ingest_records,
)
from gridcare.metering.engine.io import Store, remove_leftovers
from gridcare.metering.models import ImportBatch
from gridcare.metering.stats import aggregates_refresh

Progress = Callable[[str, int, int], None]
REPORT_REJECTIONS_KEPT = 200
INTERRUPTED = (
    "metering.import.interrupted: 导入进程意外终止，批次未完成"
    "（仓库只发布完整写入的日分区；下次导入会补算汇总）"
)


@contextmanager
def _writer_lock() -> Iterator[Store]:
    """One writer at a time per warehouse: imports rewrite whole day partitions.

    Not `Store.lock()`: the engine takes that one itself around its own writes only, while
    this lock must also cover the aggregate refresh that follows; taking the engine's lock
    here too would deadlock (flock is per open file, even within one process).
    """
    root = warehouse.store_root()
    with open(root / ".writer.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield Store(root)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _warehouse_writer() -> Iterator[Store]:
    """The writer lock, after recovering what a dead import left (`_recover_interrupted`)."""
    with _writer_lock() as store:
        _recover_interrupted(store, actor=None)
        yield store


def _recover_interrupted(store: Store, *, actor: User | None) -> int:
    """Under the writer lock: mark `running` batches failed (their process is gone: a live
    one would hold the lock, and a batch is created only under it) and remove the temporary
    files and staging folders that killed writers leave. Returns the number marked."""
    marked = ImportBatch.objects.filter(status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED, error=INTERRUPTED, finished_at=timezone.now()
    )
    removed = remove_leftovers(store.root)
    if marked or removed or actor is not None:
        audit_record(
            actor=actor,
            action="metering.imports.recover",
            data={"batches_failed": marked, "leftovers_removed": removed},
        )
    return marked


def imports_recover(*, actor: User | None) -> int:
    """Recover what interrupted imports left (see the module doc), after any running import
    has finished; returns the number of batches marked failed. Audited."""
    with _writer_lock() as store:
        return _recover_interrupted(store, actor=actor)


def _batch_start(*, actor: User | None, source: str, files: list[str]) -> ImportBatch:
    """Create the batch; only under the writer lock (`_recover_interrupted` relies on it)."""
    return ImportBatch.objects.create(source=source, actor=actor, files=files)


def _batch_finish(batch: ImportBatch, report: IngestReport, *, actor: User | None) -> ImportBatch:
    summary = report.to_dict()
    summary["rejections"] = summary.get("rejections", [])[:REPORT_REJECTIONS_KEPT]
    with transaction.atomic():
        batch.report = summary
        batch.status = ImportStatus.SUCCEEDED
        batch.finished_at = timezone.now()
        batch.save(update_fields=["report", "status", "finished_at"])
        audit_record(
            actor=actor,
            action="metering.readings.import",
            obj=batch,
            data={k: summary.get(k) for k in ("accepted", "rejected", "edited", "estimated")},
        )
    return batch


def _batch_fail(batch: ImportBatch, exc: FileFormatError) -> DomainError:
    batch.status = ImportStatus.FAILED
    batch.error = str(exc)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "error", "finished_at"])
    line = getattr(exc, "line", None)
    return DomainError(exc.code, exc.message, line=line, batch=str(batch.pk))


def readings_import_files(
    *,
    actor: User | None,
    paths: Sequence[Path],
    source: str = ImportSource.CLI,
    reject_report: Path | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Validate and store readings from CSV/Parquet files, then refresh the touched days.

    Rejected rows never block good ones; every rejection (file, line, code, reason) goes to
    `reject_report`. A file-level problem (not UTF-8, wrong Parquet schema) fails the batch
    with `metering.file.*` and stores nothing from it. Re-importing a file changes nothing.
    """
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise DomainError("metering.file.not_found", f"文件不存在：{', '.join(missing)}")
    with _warehouse_writer() as store:
        batch = _batch_start(actor=actor, source=source, files=[str(p) for p in paths])
        try:
            report = ingest_files(
                list(paths),
                store=store,
                meters=warehouse.meters_table(),
                now=timezone.now(),
                batch_id=str(batch.pk),
                progress=progress,
                reject_report=reject_report,
            )
        except FileFormatError as exc:
            raise _batch_fail(batch, exc) from exc
        aggregates_refresh(
            store=store, days=report.days, additions=report.additions, progress=progress
        )
    return _batch_finish(batch, report, actor=actor)


def readings_import_csv_body(
    *, actor: User, body: bytes, source: str = ImportSource.API
) -> ImportBatch:
    """A CSV sent in a request body, imported through the file path, so that rejections
    carry their real CSV line. The body is written to a temporary file under
    `DATA_DIR/uploads` (removed afterwards), not held twice in memory."""
    folder = Path(settings.DATA_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix="api-", suffix=".csv") as handle:
        # A request body's line ends are the client library's, not data: DuckDB's CSV reader
        # gives up on a mix of CRLF and LF (found by the API fuzz test), so one kind is kept.
        handle.write(body.replace(b"\r\n", b"\n"))
        handle.flush()
        return readings_import_files(actor=actor, paths=[Path(handle.name)], source=source)


def readings_import_records(
    *, actor: User, records: list[dict[str, Any]], source: str = ImportSource.API
) -> ImportBatch:
    """The head-end API path: same validation, same store, same refresh as files."""
    with _warehouse_writer() as store:
        batch = _batch_start(actor=actor, source=source, files=[])
        try:
            report = ingest_records(
                records,
                store=store,
                meters=warehouse.meters_table(),
                now=timezone.now(),
                batch_id=str(batch.pk),
            )
        except FileFormatError as exc:
            raise _batch_fail(batch, exc) from exc
        aggregates_refresh(store=store, days=report.days, additions=report.additions)
    return _batch_finish(batch, report, actor=actor)


def aggregates_rebuild(
    *, days: Sequence[dt.date] | None = None, progress: Progress | None = None
) -> None:
    """Recompute aggregates for `days` (default: every stored day), e.g. after a policy change."""
    with _warehouse_writer() as store:
        aggregates_refresh(
            store=store, days=list(days) if days else store.days(), progress=progress
        )
