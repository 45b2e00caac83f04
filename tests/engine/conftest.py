"""Engine test fixtures: one `backend` per engine and small tables.

`backend` is session-scoped and parametrized over `duckdb`, `pyspark` (a SparkSession in
this process: local[2], UTC, no UI, 4 shuffle partitions) and `spark-connect`: a Spark
Connect server started once from the jar pyspark bundles (`spark-submit --class
…SparkConnectServer`, on a free port), reached through `sc://127.0.0.1:<port>` as a
utility's cluster would be. If that server cannot start, its tests fail with its log; they
are never skipped. Mark a known gap with `@pytest.mark.notimpl(["pyspark"], reason="…")`:
on that backend the test becomes a strict xfail, as Ibis does in its own suite.

`mk` builds small inputs following `engine/schema.py`: Beijing wall-clock helpers, readings
as Arrow tables, a Parquet store laid out as `<root>/readings/day=YYYY-MM-DD/data.parquet`,
the dimensions, and `rows(con, expr)` to fetch sorted, comparable results.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

BACKENDS = ("duckdb", "pyspark", "spark-connect")
CONNECT_START_SECONDS = 300  # 20-40 s on an idle 2-core VM; minutes when it is busy
BEIJING = timedelta(hours=8)
STEP = timedelta(minutes=15)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "notimpl(backends, reason): the engine cannot do this on these backends yet"
    )


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="the spark extra is not installed")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("gridcare-engine-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.codegen.wholeStage", "false")  # tiny queries: skip codegen
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # its __del__ logs after capture ends
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_connect_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`sc://127.0.0.1:<port>` of a Spark Connect server run from pyspark's own jars."""
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    from pyspark.find_spark_home import _find_spark_home

    home = Path(_find_spark_home())
    folder = tmp_path_factory.mktemp("spark_connect")
    log_path = folder / "server.log"
    port = _free_port()
    command = [
        str(home / "bin" / "spark-submit"),
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master",
        "local[2]",
        "--driver-memory",
        "1g",
        *(f"--conf={k}={v}" for k, v in _CONNECT_SERVER_CONF.items()),
        f"--conf=spark.connect.grpc.binding.port={port}",
        f"--conf=spark.local.dir={folder}",
    ]
    env = {**os.environ, "SPARK_HOME": str(home)}
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        _wait_for_port(server, port, log_path)
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop(server)


_CONNECT_SERVER_CONF = {
    "spark.connect.grpc.binding.address": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.sql.codegen.wholeStage": "false",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(server: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    """Until the server accepts connections; fails with its log if it exits or times out."""
    deadline = time.monotonic() + CONNECT_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    state = f"exited with {server.returncode}" if server.poll() is not None else "timed out"
    _stop(server)
    log = log_path.read_text(encoding="utf-8", errors="replace")[-6000:]
    pytest.fail(f"the Spark Connect server {state} on port {port}; its log:\n{log}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server process this fixture started (and the JVM it became)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Any:
    from gridcare.metering.engine.backend import connect, from_spark_session

    if request.param == "duckdb":
        return connect("duckdb://")
    if request.param == "spark-connect":
        return connect(request.getfixturevalue("spark_connect_url"))
    return from_spark_session(request.getfixturevalue("spark_session"))


@pytest.fixture(autouse=True)
def _notimpl(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("notimpl")
    callspec = getattr(request.node, "callspec", None)
    if marker is None or callspec is None or "backend" not in callspec.params:
        return
    if callspec.params["backend"] in marker.args[0]:
        reason = marker.kwargs.get("reason", "not implemented on this backend")
        request.node.add_marker(pytest.mark.xfail(reason=f"notimpl: {reason}", strict=True))


class Mk:
    """Builders for small engine inputs (see the module docstring)."""

    READINGS_SCHEMA = pa.schema(
        [
            ("meter_id", pa.string()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("kwh", pa.float64()),
            ("quality", pa.string()),
            ("batch_id", pa.string()),
        ]
    )

    @staticmethod
    def bj(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
        """UTC instant of a Beijing wall-clock time (hh may be 24)."""
        return datetime(y, m, d, tzinfo=UTC) + timedelta(hours=hh, minutes=mm) - BEIJING

    @staticmethod
    def day_of(ts: datetime) -> date:
        """Beijing day of the interval ENDING at ts (the partition rule)."""
        return (ts - STEP + BEIJING).date()

    @staticmethod
    def readings(rows: Iterable[tuple[Any, ...]]) -> pa.Table:
        """rows of (meter_id, ts_end_utc, kwh[, quality[, batch_id]])."""
        full = [(*r, "A", "b1")[:5] if len(r) == 3 else (*r, "b1")[:5] for r in rows]
        cols = list(zip(*full, strict=True)) if full else [[]] * 5
        return pa.table(
            {name: list(col) for name, col in zip(Mk.READINGS_SCHEMA.names, cols, strict=True)},
            schema=Mk.READINGS_SCHEMA,
        )

    @staticmethod
    def day_series(
        meter: str, day: date, kwh: Sequence[float] | float, quality: str = "A"
    ) -> list[tuple[Any, ...]]:
        """96 readings of one Beijing day (kwh per slot or one value for all)."""
        values = list(kwh) if isinstance(kwh, Sequence) else [kwh] * 96
        start = Mk.bj(day.year, day.month, day.day)
        return [(meter, start + STEP * (i + 1), v, quality) for i, v in enumerate(values)]

    @staticmethod
    def write_store(root: Path, table: pa.Table) -> list[date]:
        """Write readings into day partitions by the contract; returns the days written."""
        by_day: dict[date, list[int]] = {}
        for i, ts in enumerate(table.column("ts").to_pylist()):
            by_day.setdefault(Mk.day_of(ts), []).append(i)
        for day, idx in by_day.items():
            folder = root / "readings" / f"day={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(table.take(idx), folder / "data.parquet")
        return sorted(by_day)

    @staticmethod
    def meters(rows: Iterable[tuple[str, str, float, bool]]) -> pa.Table:
        """rows of (meter_id, transformer_id, multiplier, is_total)."""
        r = list(rows)
        return pa.table(
            {
                "meter_id": pa.array([x[0] for x in r], pa.string()),
                "transformer_id": pa.array([x[1] for x in r], pa.string()),
                "multiplier": pa.array([float(x[2]) for x in r], pa.float64()),
                "is_total": pa.array([bool(x[3]) for x in r], pa.bool_()),
            }
        )

    @staticmethod
    def transformers(rows: Iterable[tuple[str, float]]) -> pa.Table:
        r = list(rows)
        return pa.table(
            {
                "transformer_id": pa.array([x[0] for x in r], pa.string()),
                "rated_kva": pa.array([float(x[1]) for x in r], pa.float64()),
            }
        )

    @staticmethod
    def rows(con: Any, expr: Any, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Execute; rows as dicts, floats rounded to 9 places, timestamps aware UTC, sorted."""
        if columns is not None:
            expr = expr.select(*columns)
        return Mk.normal(con.to_pyarrow(expr).to_pylist())

    @staticmethod
    def aggregates(con: Any, root: Path) -> dict[str, list[dict[str, Any]] | None]:
        """Every materialised aggregate of the store at `root` as `rows`; None for one never
        materialised (no total meter: no line loss)."""
        from gridcare.metering.engine import materialize

        def rows_of(name: str) -> list[dict[str, Any]] | None:
            try:
                return Mk.rows(con, materialize.read_aggregate(con, root, name))
            except LookupError:
                return None

        return {name: rows_of(name) for name in materialize.AGGREGATES}

    @staticmethod
    def normal(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Comparable form of rows (see `rows`); apply to expected values too."""
        out = []
        for row in rows:
            clean = {}
            for k, v in row.items():
                if isinstance(v, datetime):
                    v = v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
                elif isinstance(v, float):
                    v = None if math.isnan(v) else round(v, 9) + 0.0
                clean[k] = v
            out.append(clean)
        return sorted(out, key=lambda r: tuple((v is None, str(v)) for v in r.values()))


@pytest.fixture(scope="session")
def mk() -> type[Mk]:
    return Mk


class MeterStore:
    """A small store shared by the aggregate tests (built once per session).

    Transformer T1 (500 kVA): m1 (×1), m2 (×30) and its total meter tot1 (×1, reading
    1.05 × the customers' true kWh); T2 (100 kVA): m3 (×1) and `ghost` (no readings).
    Full days 2024-01-15, 2024-01-16 and 2024-07-10 (critical-peak season), except: m1 has
    3 estimated and 1 suspect reading on 01-15, m3 lacks its first 20 intervals on 01-16.
    `raw` holds every reading as (meter_id, ts, kwh, quality, day).
    """

    DAYS = (date(2024, 1, 15), date(2024, 1, 16), date(2024, 7, 10))

    def __init__(self, root: Path) -> None:
        self.root = root
        self.meters = Mk.meters(
            [
                ("m1", "T1", 1, False),
                ("m2", "T1", 30, False),
                ("tot1", "T1", 1, True),
                ("m3", "T2", 1, False),
                ("ghost", "T2", 1, False),
            ]
        )
        self.multiplier = {"m1": 1.0, "m2": 30.0, "tot1": 1.0, "m3": 1.0, "ghost": 1.0}
        self.transformer_of = {"m1": "T1", "m2": "T1", "tot1": "T1", "m3": "T2", "ghost": "T2"}
        self.transformers = Mk.transformers([("T1", 500), ("T2", 100)])
        rows: list[tuple[Any, ...]] = []
        for d_index, day in enumerate(self.DAYS):
            for m_index, meter in enumerate(("m1", "m2", "m3")):
                values = [((i * 7 + m_index * 13 + d_index * 5) % 10 + 1) / 10 for i in range(96)]
                quality = ["A"] * 96
                if meter == "m1" and day == self.DAYS[0]:
                    quality[10:13] = ["E"] * 3
                    quality[50] = "S"
                series = Mk.day_series(meter, day, values)
                for i, (m, ts, kwh, _) in enumerate(series):
                    if meter == "m3" and day == self.DAYS[1] and i < 20:
                        continue
                    rows.append((m, ts, kwh, quality[i]))
        true: dict[datetime, float] = {}
        for m, ts, kwh, _ in rows:
            if m in ("m1", "m2"):
                true[ts] = true.get(ts, 0.0) + kwh * self.multiplier[m]
        rows += [("tot1", ts, round(kwh * 1.05, 6), "A") for ts, kwh in sorted(true.items())]
        self.raw = [(m, ts, kwh, q, Mk.day_of(ts)) for m, ts, kwh, q in rows]
        self.days = Mk.write_store(root, Mk.readings(rows))
        assert tuple(self.days) == self.DAYS


@pytest.fixture(scope="session")
def meter_store(tmp_path_factory: pytest.TempPathFactory) -> MeterStore:
    return MeterStore(tmp_path_factory.mktemp("meter_store"))
