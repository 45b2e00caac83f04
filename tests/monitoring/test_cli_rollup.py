"""`gridcare monitoring rollup`: the range it rebuilds, what it prints, and the clear
refusals of a bad, reversed or future range."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gridcare.monitoring.cli.rollup import chunks
from gridcare.monitoring.models import Fact, RollupDay

from .kpi_world import DAY_AFTER, DAY_BEFORE, D, KpiWorld, build_all


def rollup(*args: str) -> str:
    out = io.StringIO()
    call_command("monitoring", "rollup", *args, stdout=out)
    return out.getvalue()


def test_a_range_is_rebuilt_and_the_rows_written_are_printed(world: object) -> None:
    build_all(world)  # type: ignore[arg-type]

    text = rollup("--from", DAY_BEFORE.isoformat(), "--to", DAY_AFTER.isoformat())

    written = Fact.objects.count()
    assert written > 0
    assert f"{written} fact rows written for {DAY_BEFORE}…{DAY_AFTER}" in text
    assert Fact.objects.filter(metric="orders", day=D).exists()
    assert sorted(RollupDay.objects.values_list("day", flat=True)) == [DAY_BEFORE, D, DAY_AFTER]


def test_without_dates_the_last_400_days_through_today_are_rebuilt(db: None) -> None:
    rollup()

    today = timezone.localdate()
    days = RollupDay.objects.values_list("day", flat=True)
    assert len(days) == 400
    assert (min(days), max(days)) == (today - dt.timedelta(days=399), today)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (
            ("--from", "2026-03-10", "--to", "2026-03-01"),
            "结束日期 2026-03-01 早于开始日期 2026-03-10",
        ),
        (("--from", "2026-02-30"), "参数 --from 应为日期"),
        (("--to", "10/03/2026"), "参数 --to 应为日期"),
        (("--from", "1999-12-31"), "参数 --from 应在 2000-01-01 到 2100-12-31 之间"),
        (("--to", "2099-01-01"), "晚于今天"),
    ],
)
def test_a_bad_range_is_refused_with_a_chinese_reason(
    db: None, args: tuple[str, ...], reason: str
) -> None:
    with pytest.raises(CommandError, match=reason):
        rollup(*args)

    assert not RollupDay.objects.exists()


def test_a_long_range_is_cut_into_31_day_chunks_that_cover_it_once() -> None:
    parts = chunks(dt.date(2025, 1, 1), dt.date(2025, 3, 5))

    assert parts == [
        (dt.date(2025, 1, 1), dt.date(2025, 1, 31)),
        (dt.date(2025, 2, 1), dt.date(2025, 3, 3)),
        (dt.date(2025, 3, 4), dt.date(2025, 3, 5)),
    ]


def test_kpi_world_rerun_by_the_command_keeps_the_same_facts(kpi_world: KpiWorld) -> None:
    before = sorted(
        Fact.objects.values_list("day", "metric", "org_unit_id", "channel", "key", "n", "d")
    )

    rollup("--from", DAY_BEFORE.isoformat(), "--to", DAY_AFTER.isoformat())

    after = sorted(
        Fact.objects.values_list("day", "metric", "org_unit_id", "channel", "key", "n", "d")
    )
    assert after == before
