"""`gridcare migrate` on a new database runs the database checks before any table exists:
the calendar check must not read a table that is not there yet (`make demo` on a fresh
machine crashed on exactly this)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_migrate_from_scratch_runs_its_checks_without_failing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCARE_")}
    env["GRIDCARE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "gridcare", "migrate", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "no such table" not in result.stderr
