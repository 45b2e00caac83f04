"""Refreshing the aggregates after an import, and syncing per-transformer statistics into
the ORM (`TransformerDay`, `LoadEvent`) so console lists need no warehouse query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import transaction

from gridcare.grid.models import Transformer
from gridcare.metering import warehouse
from gridcare.metering.engine import materialize, pending
from gridcare.metering.engine.backend import connect
from gridcare.metering.engine.io import Store
from gridcare.metering.engine.tou import GUANGDONG_TOU, TouCalendar
from gridcare.metering.models import LoadEvent, LoadingPolicy, TouPreset, TransformerDay

Progress = Callable[[str, int, int], None]


def tou_calendar_default() -> TouCalendar:
    """The default time-of-use preset from the database (the Guangdong preset if none)."""
    preset = TouPreset.objects.filter(is_default=True).first()
    return TouCalendar.from_dict(preset.periods) if preset else GUANGDONG_TOU


def power_factor_current() -> float:
    policy = LoadingPolicy.objects.first()
    return float(policy.power_factor) if policy else 0.9


def aggregates_refresh(
    *,
    store: Store,
    days: Sequence[dt.date],
    additions: Mapping[dt.date, str] | None = None,
    progress: Progress | None = None,
) -> materialize.RefreshReport | None:
    """Re-materialise the aggregates of `days` and sync the transformer statistics.

    `additions`: days where one import only added readings, with its batch id
    (`IngestReport.added_only`; see `materialize.refresh`). With no days, it still runs
    when an earlier import's refresh never finished (`pending`), and catches that up."""
    if not days and not pending.read(store.root):
        return None
    if progress:
        progress("aggregate", 0, 1)
    report = materialize.refresh(
        root=store.root,
        days=days,
        meters=warehouse.meters_table(),
        transformers=warehouse.transformers_table(),
        backend=warehouse.backend(),
        tou=tou_calendar_default(),
        power_factor=power_factor_current(),
        additions=additions,
    )
    _sync(store, list(report.days))  # with the days of any import whose refresh never ran
    if progress:
        progress("aggregate", 1, 1)
    return report


def _rows(con: Any, store: Store, name: str, days: list[dt.date]) -> list[dict[str, Any]]:
    try:
        table = materialize.read_aggregate(con, store.root, name, days)
    except LookupError:
        return []
    return list(con.to_pyarrow(table).to_pylist())


def _sync(store: Store, days: list[dt.date]) -> None:
    # A few hundred rows a day: DuckDB reads them at once, whichever engine wrote them
    # (a Spark job would cost seconds), as the pages do.
    con = connect("duckdb://")
    peaks = _rows(con, store, "transformer_peak", days)
    complete = {
        (r["transformer_id"], r["day"]): r
        for r in _rows(con, store, "transformer_completeness", days)
    }
    losses = {(r["transformer_id"], r["day"]): r for r in _rows(con, store, "line_loss", days)}
    events = [r for r in _rows(con, store, "load_events", days) if r["day"] in set(days)]
    ids = dict(Transformer.objects.values_list("code", "pk"))
    with transaction.atomic():
        TransformerDay.objects.filter(day__in=days).delete()
        TransformerDay.objects.bulk_create(
            _transformer_day(r, ids, complete, losses) for r in peaks if r["transformer_id"] in ids
        )
        # Events belong to the Beijing day they start on, like their warehouse partition.
        LoadEvent.objects.filter(start__date__in=days).delete()
        LoadEvent.objects.bulk_create(
            (_event(r, ids) for r in events if r["transformer_id"] in ids), ignore_conflicts=True
        )


def _transformer_day(
    row: dict[str, Any],
    ids: dict[str, int],
    complete: dict[tuple[str, dt.date], dict[str, Any]],
    losses: dict[tuple[str, dt.date], dict[str, Any]],
) -> TransformerDay:
    key = (row["transformer_id"], row["day"])
    counts = complete.get(key, {})
    expected = counts.get("expected") or 0
    loss = losses.get(key, {})
    return TransformerDay(
        transformer_id=ids[row["transformer_id"]],
        day=row["day"],
        peak_kw=row["peak_kw"] or 0.0,
        load_rate=row["load_rate"] or 0.0,
        energy_kwh=(row["avg_kw"] or 0.0) * (row["intervals"] or 0) / 4,
        completeness=(counts.get("received") or 0) / expected if expected else 0.0,
        line_loss_rate=loss.get("loss_rate"),
    )


def _event(row: dict[str, Any], ids: dict[str, int]) -> LoadEvent:
    return LoadEvent(
        transformer_id=ids[row["transformer_id"]],
        kind=row["kind"],
        start=row["start_ts"],
        end=row["end_ts"],
        intervals=row["intervals"],
        max_load_rate=row["max_load_rate"],
    )
