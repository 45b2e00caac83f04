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
