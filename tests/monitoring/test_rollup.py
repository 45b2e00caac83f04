"""The rollup over the sources: every catalogue metric gets facts, a rerun gives the same
facts, a range rebuild replaces only its days, and the work is SQL (the number of queries
does not grow with the data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridcare.monitoring.metrics import CATALOGUE
from gridcare.monitoring.models import Fact, RollupDay
from gridcare.monitoring.services.rollup import facts_rebuild

from .kpi_world import DAY_AFTER, DAY_BEFORE, D, KpiWorld, at, order

FIELDS = ("day", "metric", "org_unit_id", "channel", "key", "n", "d", "total")


def snapshot() -> list[tuple[Any, ...]]:
    return sorted(Fact.objects.values_list(*FIELDS))


def test_every_catalogue_metric_is_written_by_a_source(kpi_world: KpiWorld) -> None:
    written = set(Fact.objects.values_list("metric", flat=True))
    assert written == {kpi.fact_metric for kpi in CATALOGUE}


def test_a_rerun_gives_the_same_facts(kpi_world: KpiWorld) -> None:
    before = snapshot()

    facts_rebuild(start=DAY_BEFORE, end=DAY_AFTER)

    assert snapshot() == before
    assert before


def test_rebuilding_a_range_replaces_only_its_days(kpi_world: KpiWorld) -> None:
    w = kpi_world.world
    outside = sorted(Fact.objects.exclude(day=D).values_list(*FIELDS))
    order(w, "late", "consultation", "h5", created_at=at(D, 18))  # arrived after the rollup
    order(w, "later", "consultation", "h5", created_at=at(DAY_AFTER, 18))  # not rebuilt

    written = facts_rebuild(start=D, end=D)

    assert written == Fact.objects.filter(day=D).count()
    orders = Fact.objects.filter(metric="orders")
    assert orders.filter(day=D, channel="h5").get().n == 1
    assert not orders.filter(day=DAY_AFTER, channel="h5").exists()
    assert sorted(Fact.objects.exclude(day=D).values_list(*FIELDS)) == outside
    assert RollupDay.objects.get(day=D).rows == written


def test_the_number_of_queries_does_not_grow_with_the_rows(kpi_world: KpiWorld) -> None:
    with CaptureQueriesContext(connection) as first:
        facts_rebuild(start=DAY_BEFORE, end=DAY_AFTER)
    w = kpi_world.world
    for hour in range(10):
        order(w, f"more {hour}", "complaint", "web", created_at=at(D, hour))

    with CaptureQueriesContext(connection) as second:
        facts_rebuild(start=DAY_BEFORE, end=DAY_AFTER)

    assert len(second.captured_queries) == len(first.captured_queries)
    complaints = Fact.objects.get(
        day=D, metric="complaints", channel="web", key="", org_unit=w.station_1
    )
    assert complaints.n == 10


def test_an_empty_range_writes_no_facts_but_marks_its_days_built(db: None) -> None:
    first = dt.date(2026, 1, 1)

    assert facts_rebuild(start=first, end=first + dt.timedelta(days=2)) == 0

    assert Fact.objects.count() == 0
    assert RollupDay.objects.count() == 3
