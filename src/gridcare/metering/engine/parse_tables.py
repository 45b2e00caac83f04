"""Parquet files and Arrow tables: their layout from the schema, and typed or text columns
into the staging fields (see `parse` for the layouts and columns)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from gridcare.metering.engine.io import sql_str
from gridcare.metering.engine.parse import (
    BEIJING_OFFSET_US,
    LONG_REQUIRED,
    POINT_COLUMNS,
    FileFormatError,
    Layout,
    day_start_us_sql,
    kwh_sql,
    layout_of,
    quality_sql,
    trimmed_sql,
    ts_us_sql,
)


def relation_columns(con: duckdb.DuckDBPyConnection, relation_sql: str) -> dict[str, str]:
    """{column name: DuckDB type} of a relation."""
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation_sql}").fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def parquet_source_sql(path: Path) -> str:
    """`read_parquet` of one file with its 0-based `file_row_number`."""
    return f"read_parquet({sql_str(path)}, file_row_number = true)"


def read_parquet_layout(
    con: duckdb.DuckDBPyConnection, path: Path
) -> tuple[Layout, dict[str, str], dict[str, str]]:
    """(layout, {canonical name: original column name}, types by original name) of a
    Parquet file; FileFormatError if it is missing, unreadable or has the wrong columns."""
    source = path.name
    if not path.is_file():
        raise FileFormatError("metering.file.not_found", f"{source}：文件不存在", source=source)
    try:
        types = relation_columns(con, parquet_source_sql(path))
    except duckdb.Error as exc:
        raise FileFormatError(
            "metering.file.unreadable",
            f"{source}：不是有效的 Parquet 文件（{str(exc).splitlines()[0]}）",
            source=source,
        ) from exc
    types.pop("file_row_number", None)
    layout = layout_of(list(types), source)
    originals = dict(zip(layout.names, types, strict=True))
    return layout, originals, types


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_text(column: str, type_: str) -> str:
    return column if type_ == "VARCHAR" else f"CAST({column} AS VARCHAR)"


def typed_ts_sql(column: str, type_: str) -> str:
    """SQL: a column of any type → epoch µs (UTC); naive timestamps are Beijing time."""
    if type_.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"epoch_us({column})"
    if type_.startswith("TIMESTAMP"):
        return f"(epoch_us({column}) - {BEIJING_OFFSET_US})"
    return ts_us_sql(_as_text(column, type_))


_NUMERIC = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT",
            "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")  # fmt: skip


def typed_kwh_sql(column: str, type_: str) -> str:
    """SQL: a column of any type → DOUBLE kWh, NULL if unparseable."""
    if type_.startswith(_NUMERIC):
        return f"CAST({column} AS DOUBLE)"
    return kwh_sql(_as_text(column, type_))


def long_table_fields_sql(
    relation_sql: str, originals: dict[str, str], types: dict[str, str], line_sql: str
) -> str:
    """Staging fields of a long-format Parquet file or Arrow table (`relation_sql`)."""
    meter, ts, kwh = (_ident(originals[n]) for n in LONG_REQUIRED)
    t_meter, t_ts, t_kwh = (types[originals[n]] for n in LONG_REQUIRED)
    if "quality" in originals:
        q_text = _as_text(_ident(originals["quality"]), types[originals["quality"]])
        quality, quality_text = quality_sql(q_text), q_text
    else:
        quality, quality_text = quality_sql(None), "NULL"
    kwh_text = _as_text(kwh, t_kwh)
    kwh_value = typed_kwh_sql(kwh, t_kwh)
    return (
        f"SELECT {line_sql} AS line, 0 AS point, true AS shape_ok, NULL::VARCHAR AS raw_line,"
        f" {trimmed_sql(_as_text(meter, t_meter))} AS meter,"
        f" {typed_ts_sql(ts, t_ts)} AS ts_us, {_as_text(ts, t_ts)} AS ts_text,"
        f" {kwh_value} AS kwh,"
        f" coalesce({kwh_text}, '') AS kwh_text,"
        f" {quality} AS quality, {quality_text} AS quality_text"
        f" FROM {relation_sql}"
    )


def wide_table_lines_sql(
    relation_sql: str, originals: dict[str, str], types: dict[str, str], line_sql: str
) -> str:
    """Line-level fields (as `wide_csv_lines_sql`) of a wide Parquet file or Arrow table."""
    meter, date = _ident(originals["meter"]), _ident(originals["date"])
    t_date = types[originals["date"]]
    if t_date == "DATE" or t_date.startswith("TIMESTAMP"):
        day_us = f"(epoch_us(CAST({date} AS DATE)::TIMESTAMP) - {BEIJING_OFFSET_US})"
    else:
        day_us = day_start_us_sql(_as_text(date, t_date))
    points = ", ".join(_as_text(_ident(originals[p]), types[originals[p]]) for p in POINT_COLUMNS)
    return (
        f"SELECT {line_sql} AS line, true AS shape_ok, NULL::VARCHAR AS raw_line,"
        f" {trimmed_sql(_as_text(meter, types[originals['meter']]))} AS meter,"
        f" {_as_text(date, t_date)} AS date_text, {day_us} AS day_us, [{points}] AS points"
        f" FROM {relation_sql}"
    )
