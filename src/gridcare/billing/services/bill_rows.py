"""Rows written in bulk for a billing run, without a model instance per row.

A run writes about six rows per account (bill, its lines, event, ledger entry). Django's
`bulk_create` builds a model instance and prepares each field of each row through the
field API, which at 100,000 accounts costs more than the whole target (bench/README.md
"Billing"); here each row is a tuple already in the database's terms, and the values that
need converting (JSON, aware datetimes on SQLite) go through the database backend's own
adapters, the ones the ORM's fields call, so what is stored is what the ORM would store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import DateTimeField, JSONField, Model

from gridcare.billing.models import BillingProfile


def _defaults(
    model: type[Model], fields: Sequence[str]
) -> tuple[list[str], list[Any]]:  # columns, values
    """The model's other columns that have a default, with it in the database's terms, so
    a field another part of billing adds later is written as the ORM would write it."""
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in fields or field.attname in fields:
            continue
        if field.has_default():
            names.append(field.column)
            values.append(field.get_db_prep_save(field.get_default(), connection))
    return names, values


def rows_insert(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (values in `fields` order) into `model`'s table; returns the count.
    Columns not named take their field's default."""
    meta = model._meta
    extra_names, extra_values = _defaults(model, fields)
    quote = connection.ops.quote_name
    json_columns: list[int] = []
    time_columns: list[int] = []
    for index, name in enumerate(fields):
        field = meta.get_field(name)
        if isinstance(field, JSONField):
            json_columns.append(index)
        elif isinstance(field, DateTimeField):
            time_columns.append(index)
    columns = ", ".join(
        [quote(str(meta.get_field(f).column)) for f in fields]  # type: ignore[union-attr]
        + [quote(column) for column in extra_names]
    )
    adapt_json = connection.ops.adapt_json_value
    times: dict[Any, Any] = {}  # a chunk's rows share one or two timestamps
    prepared = []
    for row in rows:
        values = list(row)
        for index in json_columns:
            values[index] = adapt_json(values[index], None)
        for index in time_columns:
            value = values[index]
            if value not in times:
                times[value] = connection.ops.adapt_datetimefield_value(value)
            values[index] = times[value]
        prepared.append(values + extra_values)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows to the server as one load: an INSERT per row, even
            # pipelined, costs PostgreSQL a statement each (several times slower at 100,000
            # accounts; bench/README.md "Billing").
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row(values)
        else:
            # One short statement run for every row: sqlite3 batches it natively.
            one = "(" + ", ".join(["%s"] * (len(fields) + len(extra_names))) + ")"
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one}", prepared)
    return len(prepared)


def profiles_update(rows: Iterable[tuple[int, Any, int]]) -> None:
    """Set (profile pk, balance, ledger_version) of profiles the caller has locked.

    Django's bulk_update builds a CASE of one WHEN per row, whose compilation grows faster
    than the rows; one UPDATE by primary key, run for every row, stays linear."""
    table = connection.ops.quote_name(BillingProfile._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET balance = %s, ledger_version = %s WHERE id = %s",
            [(balance, version, pk) for pk, balance, version in rows],
        )
