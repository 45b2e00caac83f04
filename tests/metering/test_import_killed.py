"""An import killed with SIGKILL while it writes the warehouse: a real `gridcare meter import`
process on the test database, killed once its first temporary day file appears. The next
import marks the dead batch failed, removes what it left, and the store stays consistent."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from gridcare.core.models import AuditLog
from gridcare.metering.choices import ImportStatus
from gridcare.metering.models import ImportBatch
from gridcare.testing.personas import World
from gridcare.testing.processes import database_url

from .conftest import full_days, long_csv

DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(300)]
METERS = ("MA0001", "MB0001", "MC0001")


def _leftovers(root: Path) -> list[str]:
    """Temporary files and staging folders under the warehouse (what a killed writer
    leaves), and day folders without their data file."""
    found = [str(p) for p in root.rglob(".*") if p.name.endswith(".tmp") or ".staging-" in p.name]
    found += [str(d) for d in root.glob("*/day=*") if d.is_dir() and not any(d.iterdir())]
    return found


def _kill_while_writing(source: Path, root: Path) -> None:
    env = dict(os.environ, GRIDCARE_DATABASE_URL=database_url(), GRIDCARE_WAREHOUSE_ROOT=str(root))
    process = subprocess.Popen(
        [sys.executable, "-m", "gridcare", "meter", "import", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(root.glob("readings/day=*/.*.tmp")):
            assert process.poll() is None, "the import ended before it wrote anything"
            assert time.monotonic() < deadline, "no temporary day file appeared"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_is_marked_failed_and_cleaned_up_by_the_next_one(
    world: World, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    root = Path(settings.WAREHOUSE_ROOT)
    rows = [row for meter in METERS for row in full_days(meter, DAYS, 0.25)]
    source = long_csv(tmp_path / "year.csv", rows)

    _kill_while_writing(source, root)
    dead = ImportBatch.objects.get()
    assert dead.status == ImportStatus.RUNNING  # what the kill leaves
    assert _leftovers(root)
    assert not list(root.glob("readings/day=*/data.parquet"))  # nothing published

    call_command("meter", "import", str(source))

    dead.refresh_from_db()
    assert dead.status == ImportStatus.FAILED
    assert dead.error.startswith("metering.import.interrupted")
    assert dead.finished_at is not None
    again = ImportBatch.objects.exclude(pk=dead.pk).get()
    assert again.status == ImportStatus.SUCCEEDED
    assert again.report["inserted"] == len(rows)
    assert _leftovers(root) == []
    # Consistent: every day once, every reading of the file exactly once.
    files = sorted(root.glob("readings/day=*/data.parquet"))
    assert [f.parent.name for f in files] == [f"day={d.isoformat()}" for d in DAYS]
    stored = sum(pq.read_metadata(f).num_rows for f in files)
    assert stored == len(rows)
    recover = AuditLog.objects.get(action="metering.imports.recover")
    assert recover.data["batches_failed"] == 1
