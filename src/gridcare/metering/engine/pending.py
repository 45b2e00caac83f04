"""Days whose readings an import changed and whose aggregates no refresh has caught up with.

    <root>/pending/<batch_id>.json      {"batch_id": "...", "days": ["YYYY-MM-DD", ...]}

An import marks its days (`mark`) before it publishes a reading partition, and
`materialize.refresh` clears every mark it read once all its partitions are written
(`clear`). A mark left behind means an import whose refresh never finished (a crash, a
killed process): the next refresh recomputes those days too, and does not take the
shortcut of adding one import's rows to a day another import changed since (see
`materialize`), since what is materialised for that day may not hold that change.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> mark(root, "b1", [date(2024, 5, 2), date(2024, 5, 1)])
>>> {b: sorted(days) for b, days in read(root).items()}
{'b1': [datetime.date(2024, 5, 1), datetime.date(2024, 5, 2)]}
>>> clear(root, ["b1"]); read(root)
{}
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path

PENDING_DIR = "pending"
_SUFFIX = ".json"
_log = logging.getLogger(__name__)


def _path(root: Path, batch_id: str) -> Path:
    return Path(root) / PENDING_DIR / f"{batch_id}{_SUFFIX}"


def mark(root: Path, batch_id: str, days: Iterable[date]) -> None:
    """Record, durably and atomically, that import `batch_id` changes `days`."""
    path = _path(root, batch_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    known = (_days_of(path) if path.is_file() else None) or frozenset()  # written twice: both
    text = json.dumps(
        {"batch_id": batch_id, "days": sorted(d.isoformat() for d in known | set(days))}
    )
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    with temp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def read(root: Path) -> dict[str, frozenset[date] | None]:
    """Every mark: batch id → days, None for a mark that cannot be read (logged: which days
    it named is unknown, `gridcare meter rebuild` recomputes them all)."""
    folder = Path(root) / PENDING_DIR
    if not folder.is_dir():
        return {}
    return {p.name.removesuffix(_SUFFIX): _days_of(p) for p in sorted(folder.glob(f"*{_SUFFIX}"))}


def has(root: Path, batch_id: str) -> bool:
    """Whether import `batch_id` has a mark."""
    return _path(root, batch_id).is_file()


def _days_of(path: Path) -> frozenset[date] | None:
    try:
        days = json.loads(path.read_text(encoding="utf-8"))["days"]
        return frozenset(date.fromisoformat(d) for d in days)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _log.warning("unreadable pending-refresh mark %s (%s); run a rebuild", path, exc)
        return None


def clear(root: Path, batch_ids: Iterable[str]) -> None:
    """Remove the marks of `batch_ids` (their days are refreshed)."""
    for batch_id in batch_ids:
        _path(root, batch_id).unlink(missing_ok=True)
