"""The warehouse settings are checked when a process starts: a root GridCare cannot write,
an engine URL or Spark settings it cannot use stop it with a message, before any import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def start(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a new process, as every `gridcare` command does first."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCARE_WAREHOUSE")}
    clean.pop("GRIDCARE_SPARK_CONF", None)
    code = "import gridcare.settings as s; print(s.WAREHOUSE_URL, s.WAREHOUSE_ROOT, s.SPARK_CONF)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("root", ["s3a://bucket/warehouse", "hdfs://namenode/warehouse"])
def test_an_object_store_url_as_warehouse_root_is_refused(root: str) -> None:
    done = start(GRIDCARE_WAREHOUSE_ROOT=root)
    assert done.returncode != 0
    assert f"GRIDCARE_WAREHOUSE_ROOT={root!r}: only a local folder" in done.stderr


def test_a_warehouse_root_under_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    done = start(GRIDCARE_WAREHOUSE_ROOT=str(blocker / "warehouse"))
    assert done.returncode != 0
    assert f"{blocker} is not a folder" in done.stderr


def test_a_local_root_a_master_url_and_spark_settings_are_accepted(tmp_path: Path) -> None:
    done = start(
        GRIDCARE_WAREHOUSE_ROOT=str(tmp_path / "new" / "warehouse"),
        GRIDCARE_WAREHOUSE_URL="spark://10.0.0.5:7077",
        GRIDCARE_SPARK_CONF='{"spark.executor.memory": "8g"}',
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(" ", 2) == [
        "spark://10.0.0.5:7077",
        str(tmp_path / "new" / "warehouse"),
        "{'spark.executor.memory': '8g'}\n",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"GRIDCARE_WAREHOUSE_URL": "spark://local[8]"},
            "GRIDCARE_WAREHOUSE_URL: 'spark://local[8]'",
        ),
        (
            {"GRIDCARE_WAREHOUSE_URL": "yarn", "GRIDCARE_SPARK_CONF": "spark.executor.memory=8g"},
            "GRIDCARE_SPARK_CONF: not JSON",
        ),
    ],
)
def test_an_unusable_engine_setting_stops_the_process(env: dict[str, str], message: str) -> None:
    done = start(**env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert message in done.stderr
