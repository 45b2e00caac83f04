"""The SQL each materialised aggregate runs, compiled once per shape (`queries.Session`).

Every query reads fixed names that `materialize.refresh` binds before running it:

| name                   | bound to                                                   |
| ---------------------- | ---------------------------------------------------------- |
| `_gc_readings`         | readings of the touched days (`READINGS_SCHEMA`)            |
| `_gc_profile_readings` | readings of the days being added to a month profile        |
| `_gc_profile_index`    | the meters a month profile holds, numbered (`profiles`)    |
| `_gc_meters`           | the meters dimension                                       |
| `_gc_transformers`     | the transformers dimension                                 |
| `_gc_days`             | the touched days (`day` DATE)                              |
| `_gc_agg_<name>`       | partitions of a materialised aggregate a derived one reads |

The expressions are `aggregate`'s own; only their inputs are placeholders. The shape key
holds what the compiled text depends on beyond the engine's code: the dimension and source
schemas, the time-of-use calendar and the power factor.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from gridcare.metering.engine import aggregate as agg
from gridcare.metering.engine import profiles
from gridcare.metering.engine import schema as s
from gridcare.metering.engine.backend import READINGS_SCHEMA
from gridcare.metering.engine.queries import Session, placeholder, schema_key
from gridcare.metering.engine.tou import TouCalendar

READINGS = "_gc_readings"
PROFILE_READINGS = "_gc_profile_readings"
PROFILE_INDEX = "_gc_profile_index"
METERS = "_gc_meters"
TRANSFORMERS = "_gc_transformers"
DAYS = "_gc_days"
DAYS_SCHEMA = pa.schema([pa.field(s.DAY, pa.date32())])


def source_name(aggregate: str) -> str:
    """The name a derived aggregate reads `aggregate`'s partitions under."""
    return f"_gc_agg_{aggregate}"


class Plans:
    """Compiled SQL of every materialised aggregate for one refresh's dimensions and settings."""

    def __init__(
        self,
        session: Session,
        meters: pa.Schema,
        transformers: pa.Schema,
        calendar: TouCalendar,
        power_factor: float,
    ) -> None:
        self.session = session
        self.calendar = calendar
        self.power_factor = power_factor
        meters_schema = ibis.Schema.from_pyarrow(meters)
        transformers_schema = ibis.Schema.from_pyarrow(transformers)
        self.meters = placeholder(METERS, meters_schema)
        self.transformers = placeholder(TRANSFORMERS, transformers_schema)
        self.readings = placeholder(READINGS, READINGS_SCHEMA)
        self.days = placeholder(DAYS, ibis.Schema.from_pyarrow(DAYS_SCHEMA))
        self._shape = "|".join(
            (
                schema_key(meters_schema),
                schema_key(transformers_schema),
                json.dumps(calendar.to_dict(), sort_keys=True),
                repr(float(power_factor)),
            )
        )

    def _sql(self, name: str, build: Callable[[], ir.Table], *sources: ibis.Schema) -> str:
        key = "|".join((name, self._shape, *(schema_key(x) for x in sources)))
        return self.session.sql(key, build)

    def _typed(self, name: str, sql: str) -> str:
        """`sql` cast to the aggregate's one schema (`schema.aggregate_columns`): what a
        backend infers differs (DuckDB sums integers to HUGEINT and writes DOUBLE, Spark
        BIGINT), and Spark cannot read partitions of both types as one table. In SQL, not
        with Ibis's `cast`, which leaves out a cast to the type Ibis already assumes."""
        con = self.session.con
        types = con.compiler.type_mapper
        casts = ", ".join(
            f"CAST({c} AS {types.from_ibis(ibis.dtype(t)).sql(con.dialect)}) AS {c}"
            for c, t in s.aggregate_columns(name, self.calendar.buckets)
        )
        return f"SELECT {casts} FROM ({sql}) AS _gc_typed"

    # --- from the touched days' readings ---

    def from_readings(self, name: str) -> str:
        """The SQL of the reading-level aggregate `name` (`daily_tou`, `completeness`,
        `transformer_load`)."""
        builders: dict[str, Callable[[], ir.Table]] = {
            "daily_tou": lambda: agg.daily_tou(self.readings, self.meters, self.calendar),
            "completeness": lambda: agg.completeness(self.readings, self.meters, self.days),
            "transformer_load": lambda: agg.transformer_load_curve(self.readings, self.meters),
        }
        return self._typed(name, self._sql(name, builders[name]))

    def profile_cells(self, *, by_slot: bool) -> str:
        readings = placeholder(PROFILE_READINGS, READINGS_SCHEMA)
        index = placeholder(PROFILE_INDEX, ibis.Schema.from_pyarrow(profiles.INDEX_SCHEMA))
        return self._sql(
            f"profile_cells:{by_slot}",
            lambda: agg.profile_cells(readings, index, by_slot=by_slot),
        )

    # --- from other aggregates (`source`: the schema its partitions are read with) ---

    def derived(self, name: str, source_aggregate: str, source: ibis.Schema) -> str:
        table = placeholder(source_name(source_aggregate), source)
        builders: dict[str, Callable[[], ir.Table]] = {
            "transformer_peak": lambda: agg.transformer_daily_peak(
                table, self.transformers, self.power_factor
            ),
            "transformer_completeness": lambda: agg.transformer_completeness(table, self.meters),
            "line_loss": lambda: agg.line_loss(table, self.meters),
            "load_events": lambda: agg.load_events(table, self.transformers, self.power_factor),
            "monthly": lambda: agg.monthly(table),
        }
        return self._typed(name, self._sql(name, builders[name], source))
