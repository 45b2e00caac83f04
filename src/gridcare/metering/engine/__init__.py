"""Metering engine: framework-free ingestion, validation and aggregation of meter readings.

No Django, no settings, no clock: the caller passes paths, dimensions, `now` and settings
objects. Tables are DuckDB relations / Ibis expressions; results serialise to dicts.

Modules (each owns one concern):

- `schema`    column names, types, units (the contract; read it first)
- `io`        the Parquet store: day partitions, atomic replace, edit log, reading back
- `parse`     CSV/Parquet files (long `meter,ts,kwh[,quality]` and wide `meter,date,p1..p96`)
              into one staging table of strings with source line numbers
- `vee`       validation/estimation/editing rules, one function per rule, as findings
- `ingest`    the pipeline: parse → validate → dedupe → spike flags → merge into day
              partitions (last write wins, edit log) → gap estimation → `IngestReport`
- `tou`       time-of-use calendars (`TouCalendar`, the Guangdong-style preset)
- `backend`   `connect(url)`: an Ibis backend for `duckdb://…` or PySpark (`url` lists the forms)
- `aggregate` Ibis expressions: daily TOU kWh, monthly kWh, transformer load curve, daily
              peak and load rate, heavy-load/overload events, 96-point profiles,
              completeness, transformer-area line loss
- `materialize` incremental materialisation of the aggregates for the days an import touched
"""
