"""The Django side of the meter-data warehouse: where it lives, which backend runs the
engine, and the dimension tables built from the grid (the engine never reads the ORM)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from django.conf import settings

from gridcare.customers.selectors import meter_contracted_capacities
from gridcare.grid.selectors import meters_dimension_rows, transformers_dimension_rows
from gridcare.metering.engine import schema

if TYPE_CHECKING:
    from ibis.backends import BaseBackend


def store_root() -> Path:
    """GRIDCARE_WAREHOUSE_ROOT, created if missing (settings checked it is a writable
    local folder)."""
    root = Path(settings.WAREHOUSE_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def meters_table() -> pa.Table:
    """meter_id, transformer_id, multiplier, is_total, capacity_kva (engine/schema.py).

    capacity_kva is the contracted capacity of the meter's account; a transformer's summary
    meter has its transformer's rated kVA; a meter with neither has none (NULL: the engine
    applies its default, `VeeThresholds.default_capacity_kva`).
    """
    rows = meters_dimension_rows()
    contracted = meter_contracted_capacities()
    rated = dict(transformers_dimension_rows())
    capacity = [
        contracted.get(asset, rated.get(code) if total else None) for asset, code, _, total in rows
    ]
    return pa.table(
        {
            schema.METER_ID: pa.array([r[0] for r in rows], pa.string()),
            schema.TRANSFORMER_ID: pa.array([r[1] for r in rows], pa.string()),
            schema.MULTIPLIER: pa.array([r[2] for r in rows], pa.float64()),
            schema.IS_TOTAL: pa.array([r[3] for r in rows], pa.bool_()),
            schema.CAPACITY_KVA: pa.array(capacity, pa.float64()),
        }
    )


def transformers_table() -> pa.Table:
    """transformer_id, rated_kva."""
    rows = transformers_dimension_rows()
    return pa.table(
        {
            schema.TRANSFORMER_ID: pa.array([r[0] for r in rows], pa.string()),
            schema.RATED_KVA: pa.array([r[1] for r in rows], pa.float64()),
        }
    )


@lru_cache(maxsize=1)
def _backend_for(url: str, spark_conf: tuple[tuple[str, str], ...]) -> BaseBackend:
    from gridcare.metering.engine.backend import connect

    return connect(url, spark_conf=dict(spark_conf))


def backend() -> BaseBackend:
    """The Ibis backend that computes the aggregates: GRIDCARE_WAREHOUSE_URL with
    GRIDCARE_SPARK_CONF. A Spark session is slow to start, so there is one per process; a
    DuckDB connection is new each time, so nothing a refresh bound outlives it."""
    if settings.WAREHOUSE_URL.startswith("duckdb://"):
        from gridcare.metering.engine.backend import connect

        return connect(settings.WAREHOUSE_URL)
    return _backend_for(settings.WAREHOUSE_URL, tuple(sorted(settings.SPARK_CONF.items())))
