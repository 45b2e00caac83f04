"""The engine's contract: column names, types and units of every table it reads or writes.

Framework-free (no Django): used by the ingestion pipeline, the aggregates, the Django side
and the benchmarks alike. Times are UTC; China has no daylight saving, so local (Beijing)
time is UTC + `CHINA_UTC_OFFSET_MINUTES`, which keeps the same expressions portable to Spark.

Readings (stored as Parquet under `<root>/readings/day=YYYY-MM-DD/data.parquet`):

| column   | type                  | unit / meaning                                              |
| -------- | --------------------- | ----------------------------------------------------------- |
| meter_id | string                | `Meter.asset_number`                                        |
| ts       | timestamp(us, UTC)    | END of the 15-minute interval (00:15 holds 00:00–00:15)     |
| kwh      | float64               | energy in the interval, kWh, before the meter multiplier    |
| quality  | string                | `A` actual, `E` estimated (gap fill), `S` suspect (spike)   |
| batch_id | string                | import batch that last wrote the value                      |

The partition day is the **Beijing** calendar day of
the interval's start (`ts - 15 min + 8 h`), so one partition holds one local day, the unit
people ask about ("yesterday's usage").

Meters dimension (given to the engine by the caller, never read from a database):

| column         | type    | meaning                                                  |
| -------------- | ------- | -------------------------------------------------------- |
| meter_id       | string  | asset number                                             |
| transformer_id | string  | `Transformer.code` (台区)                                 |
| multiplier     | float64 | CT/PT multiplier: true kWh = kwh × multiplier             |
| is_total       | boolean | the transformer's summary meter (台区总表), for line loss   |
| capacity_kva   | float64 | contracted capacity (kVA; may be null): bounds a reading   |

Transformers dimension: transformer_id (string), rated_kva (float64).

Materialised aggregates (`<root>/agg/<name>/<key>=YYYY-MM-DD/data.parquet`): the columns
and types of each are `aggregate_columns(name, buckets)` below, one definition for every
backend. Each query casts its result to them (`plans`), so DuckDB and Spark write the
same Parquet types and either can read partitions the other wrote. `meter_profile` is
written from NumPy with `profiles.PROFILE_SCHEMA`.

Sums of energy take actual (`A`) and estimated (`E`) readings whose value is plausible
(`PLAUSIBLE_KWH`, also never NaN or ±inf); suspect readings (`S`) and implausible values
are counted instead (`suspect_intervals`, and the kWh of the plausible suspect readings
as `suspect_kwh`), so billing can hold a meter-day for review rather than bill a spike.
The estimated readings summed are counted too (`estimated_intervals`, `estimated_kwh`), and
the maximum demand is over the summed readings only (`max_kw`, `max_kw_at`).
"""

from __future__ import annotations

from typing import Final

INTERVAL_MINUTES: Final = 15
INTERVALS_PER_DAY: Final = 96
CHINA_UTC_OFFSET_MINUTES: Final = 8 * 60

# --- readings ---
METER_ID: Final = "meter_id"
TS: Final = "ts"
KWH: Final = "kwh"
QUALITY: Final = "quality"
BATCH_ID: Final = "batch_id"
DAY: Final = "day"

QUALITY_ACTUAL: Final = "A"
QUALITY_ESTIMATED: Final = "E"
QUALITY_SUSPECT: Final = "S"

READING_COLUMNS: Final = (METER_ID, TS, KWH, QUALITY, BATCH_ID)

# --- dimensions ---
TRANSFORMER_ID: Final = "transformer_id"
MULTIPLIER: Final = "multiplier"
IS_TOTAL: Final = "is_total"
RATED_KVA: Final = "rated_kva"
CAPACITY_KVA: Final = "capacity_kva"

# --- edit log (previous values replaced by a later import) ---
# <root>/edits/day=YYYY-MM-DD/part-<batch_id>.parquet: meter_id, ts, old_kwh, new_kwh,
# old_quality, quality, old_batch_id, batch_id, edited_at — one row per changed value
# (an estimate replaced by an actual reading shows as old_quality E → quality A).
OLD_KWH: Final = "old_kwh"
NEW_KWH: Final = "new_kwh"
OLD_BATCH_ID: Final = "old_batch_id"
OLD_QUALITY: Final = "old_quality"
EDITED_AT: Final = "edited_at"

# --- aggregates ---
#: No 15-minute reading, before the multiplier, comes near this (4 GW through one meter):
#: a sum leaves out anything beyond it, and NaN and ±inf, whatever the import let through.
PLAUSIBLE_KWH: Final = 1.0e6
INTERVALS: Final = "intervals"
SUSPECT_INTERVALS: Final = "suspect_intervals"
SUSPECT_KWH: Final = "suspect_kwh"
ESTIMATED_INTERVALS: Final = "estimated_intervals"
ESTIMATED_KWH: Final = "estimated_kwh"
MAX_KW: Final = "max_kw"
MAX_KW_AT: Final = "max_kw_at"
MONTH: Final = "month"

_F64, _I64, _STR, _DATE = "float64", "int64", "string", "date"
_TS: Final = "timestamp('UTC', 6)"  # Ibis type text: microseconds, UTC
_COUNTS = ("expected", "received", "actual", "estimated", "suspect", "missing")
_AGGREGATE_COLUMNS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "completeness": (
        (METER_ID, _STR),
        (DAY, _DATE),
        *((c, _I64) for c in _COUNTS),
        ("completeness", _F64),
    ),
    "transformer_load": (
        (TRANSFORMER_ID, _STR),
        (DAY, _DATE),
        (TS, _TS),
        ("kw", _F64),
        ("meters", _I64),
    ),
    "transformer_peak": (
        (TRANSFORMER_ID, _STR),
        (DAY, _DATE),
        ("peak_kw", _F64),
        ("peak_ts", _TS),
        ("avg_kw", _F64),
        (INTERVALS, _I64),
        (RATED_KVA, _F64),
        ("load_rate", _F64),
    ),
    "transformer_completeness": (
        (TRANSFORMER_ID, _STR),
        (DAY, _DATE),
        ("meters", _I64),
        ("meters_complete", _I64),
        ("meters_silent", _I64),
        *((c, _I64) for c in _COUNTS),
        ("completeness", _F64),
    ),
    "line_loss": (
        (TRANSFORMER_ID, _STR),
        (DAY, _DATE),
        ("input_kwh", _F64),
        ("output_kwh", _F64),
        ("loss_kwh", _F64),
        ("loss_rate", _F64),
        ("meters_reporting", _I64),
        ("meters", _I64),
    ),
    "load_events": (
        (TRANSFORMER_ID, _STR),
        ("kind", _STR),
        ("start_ts", _TS),
        ("end_ts", _TS),
        (INTERVALS, _I64),
        ("max_load_rate", _F64),
        (DAY, _DATE),
    ),
}


def aggregate_columns(name: str, buckets: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """(column, Ibis type) of the materialised aggregate `name`, partition key included;
    `daily_tou` and `monthly` have a `kwh_<bucket>` column per time-of-use bucket.

    >>> [c for c, _ in aggregate_columns("daily_tou", ("peak", "valley"))][:5]
    ['meter_id', 'day', 'kwh', 'kwh_peak', 'kwh_valley']
    >>> [c for c, _ in aggregate_columns("daily_tou", ("peak", "valley"))][5:]
    ['intervals', 'estimated_intervals', 'estimated_kwh', 'suspect_intervals', 'suspect_kwh', 'max_kw', 'max_kw_at']
    """
    energy = ((KWH, _F64), *((f"{KWH}_{b}", _F64) for b in buckets))
    counted = (
        (INTERVALS, _I64),
        (ESTIMATED_INTERVALS, _I64),
        (ESTIMATED_KWH, _F64),
        (SUSPECT_INTERVALS, _I64),
        (SUSPECT_KWH, _F64),
    )
    demand = ((MAX_KW, _F64), (MAX_KW_AT, _TS))
    if name == "daily_tou":
        return ((METER_ID, _STR), (DAY, _DATE), *energy, *counted, *demand)
    if name == "monthly":
        return ((METER_ID, _STR), (MONTH, _DATE), ("days", _I64), *energy, *counted, *demand)
    return _AGGREGATE_COLUMNS[name]
