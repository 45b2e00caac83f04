"""The service-quality index: presets, versions, scores hand-computed on facts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gridcare.core.errors import DomainError
from gridcare.core.models import AuditLog
from gridcare.monitoring.models import AlertRule, IndexVersion
from gridcare.monitoring.selectors.facts import Period
from gridcare.monitoring.selectors.index import (
    index_by_channel,
    index_by_child,
    index_for,
    index_trend,
    index_version_in_force,
    kpi_score,
)
from gridcare.monitoring.services.index import index_version_create
from gridcare.monitoring.services.presets import presets_install
from gridcare.testing.personas import World

from .index_support import fact, ratio

NOV = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
DAY = dt.date(2026, 11, 10)


def _s1_facts(world: World, day: dt.date = DAY) -> None:
    """S1 in November: CSAT 90 %, SLA 89 %, FCR 75 %, repeats 10 %, 4 complaints per 10k
    customers, no repair-arrival data."""
    s1 = world.station_1
    ratio(day, "csat", s1, 90, 100)
    ratio(day, "sla_compliance", s1, 89, 100)
    ratio(day, "fcr", s1, 75, 100)
    ratio(day, "repeat_contacts", s1, 10, 100)
    fact(day, "complaints", s1, n=4)
    fact(day.replace(day=28), "customers", s1, n=10_000)


def test_presets_install_the_first_version_and_one_rule_per_kind(db: None) -> None:
    version = index_version_in_force(dt.date(2026, 1, 1))
    assert version is not None
    assert version.number == 1
    weights = {w.kpi: w.weight for w in version.weights.all()}
    assert sum(weights.values()) == Decimal(100)
    assert weights["csat"] == 25
    assert weights["repeat_contacts"] == 10
    lower = {w.kpi for w in version.weights.all() if w.floor > w.target}
    assert lower == {"repeat_contacts", "complaints_per_10k"}
    assert sorted(AlertRule.objects.values_list("kind", flat=True)) == [
        "complaint_spike", "csat_drop", "repair_surge", "sla_below_target",
    ]  # fmt: skip
    assert index_version_in_force(dt.date(2025, 12, 31)) is None


def test_presets_never_overwrite_a_managers_edit(db: None) -> None:
    AlertRule.objects.filter(code="sla-below-target").update(threshold=Decimal("80"))
    presets_install()
    assert AlertRule.objects.get(code="sla-below-target").threshold == Decimal("80")
    assert IndexVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "target", "floor", "expected"),
    [(90, 95, 70, 80.0), (95, 95, 70, 100.0), (60, 95, 70, 0.0), (99, 95, 70, 100.0),
     (10, 5, 25, 75.0), (30, 5, 25, 0.0), (1, 5, 25, 100.0)],
)  # fmt: skip
def test_kpi_score_is_linear_and_clamped(value, target, floor, expected) -> None:  # type: ignore[no-untyped-def]
    assert kpi_score(value, target, floor) == pytest.approx(expected)


def test_index_of_a_unit_renormalises_over_the_kpis_with_data(world: World) -> None:
    _s1_facts(world)
    result = index_for(world.station_1, NOV)
    parts = {p.kpi: p for p in result.parts}
    assert parts["csat"].score == pytest.approx(80.0)  # (90-70)/(95-70)
    assert parts["sla_compliance"].score == pytest.approx(50.0)  # (89-80)/(98-80)
    assert parts["fcr"].score == pytest.approx(100 * 25 / 35)
    assert parts["repeat_contacts"].score == pytest.approx(75.0)  # (10-25)/(5-25)
    assert parts["complaints_per_10k"].value == pytest.approx(4.0)
    assert parts["complaints_per_10k"].score == pytest.approx(100 * 6 / 9)
    assert [p.kpi for p in result.missing] == ["repair_arrival_on_time"]
    assert parts["csat"].share == pytest.approx(25 / 90 * 100)
    expected = (25 * 80 + 25 * 50 + 15 * 100 * 25 / 35 + 10 * 75 + 15 * 100 * 6 / 9) / 90
    assert result.total == pytest.approx(expected)
    # The bureau adds up its subtree: the same facts, the same index.
    assert index_for(world.bureau, NOV).total == pytest.approx(expected)


def test_no_data_is_no_index_not_zero(world: World) -> None:
    result = index_for(world.station_2, NOV)
    assert result.total is None
    assert len(result.missing) == 6


def test_children_ranked_best_first(world: World) -> None:
    _s1_facts(world)
    ratio(DAY, "csat", world.station_2, 95, 100)  # only CSAT, at target: 100
    rows = index_by_child(world.bureau, NOV)
    assert [(r.unit.code, r.rank) for r in rows] == [("S2", 1), ("S1", 2)]
    assert rows[0].score.total == pytest.approx(100.0)


def test_online_and_offline_on_one_scale(world: World) -> None:
    s1 = world.station_1
    ratio(DAY, "csat", s1, 48, 50, channel="wechat")  # 96 %
    ratio(DAY, "csat", s1, 42, 50, channel="hotline")  # 84 %
    ratio(DAY, "sla_compliance", s1, 45, 50, channel="web")  # 90 %
    ratio(DAY, "sla_compliance", s1, 44, 50, channel="hotline")  # 88 %
    ratio(DAY, "fcr", s1, 1, 2)  # no channel: belongs to neither side
    fact(DAY, "complaints", s1, n=3, channel="hotline")  # per 10k: not by channel
    result = index_by_channel(world.bureau, NOV)
    groups = dict(result.groups)
    online = (25 * 100 + 25 * (10 / 18 * 100)) / 50
    offline = (25 * 56 + 25 * (8 / 18 * 100)) / 50
    assert groups["online"].total == pytest.approx(online)
    assert groups["offline"].total == pytest.approx(offline)
    channels = dict(result.channels)
    assert channels["wechat"].total == pytest.approx(100.0)
    assert channels["web"].total == pytest.approx(10 / 18 * 100)
    assert channels["hotline"].total == pytest.approx(offline)
    assert [c for c, _ in result.channels] == ["wechat", "web", "hotline"]


def test_a_past_month_keeps_the_version_it_was_scored_with(world: World) -> None:
    s1 = world.station_1
    for day in (dt.date(2026, 10, 5), dt.date(2026, 11, 5)):
        ratio(day, "csat", s1, 90, 100)  # score 80
        ratio(day, "sla_compliance", s1, 89, 100)  # score 50
    version = index_version_create(
        actor=world.users["manager"],
        effective_from=dt.date(2026, 11, 1),
        weights=[("csat", "80", "95", "70"), ("sla_compliance", "20", "98", "80")],
        note="更重视满意度",
    )
    assert version.number == 2
    trend = dict(index_trend(s1, dt.date(2026, 11, 30)))
    assert len(trend) == 12
    october, november = trend[dt.date(2026, 10, 1)], trend[dt.date(2026, 11, 1)]
    assert october.version is not None
    assert october.version.number == 1
    assert october.total == pytest.approx((25 * 80 + 25 * 50) / 50)
    assert november.version is not None
    assert november.version.number == 2
    assert november.total == pytest.approx((80 * 80 + 20 * 50) / 100)
    assert trend[dt.date(2026, 9, 1)].total is None
    # The old version is untouched, the change audited.
    assert IndexVersion.objects.get(number=1).weights.count() == 6
    audit = AuditLog.objects.get(action="monitoring.index_version.create")
    assert audit.actor == world.users["manager"]
    assert audit.data["number"] == 2


@pytest.mark.parametrize(
    ("weights", "code"),
    [
        ([("csat", "60", "95", "70"), ("fcr", "30", "85", "50")], "monitoring.index.weights_sum"),
        ([("csat", "50", "95", "70"), ("fcr", "50.001", "85", "50")],
         "monitoring.index.too_precise"),
        ([("csat", "50", "95", "70"), ("nps", "50", "50", "0")], "monitoring.index.unknown_kpi"),
        ([("csat", "50", "95", "70"), ("csat", "50", "95", "70")],
         "monitoring.index.duplicate_kpi"),
        ([("csat", "50", "95", "70"), ("orders", "50", "1", "0")], "monitoring.index.count_kpi"),
        ([("csat", "110", "95", "70"), ("fcr", "-10", "85", "50")],
         "monitoring.index.weight_not_positive"),
        ([("csat", "100", "95", "95")], "monitoring.index.target_equals_floor"),
        ([("csat", "abc", "95", "70")], "monitoring.index.not_a_number"),
        ([], "monitoring.index.empty"),
        ([("csat", "50", "70", "95"), ("fcr", "50", "85", "50")], "monitoring.index.direction"),
        ([("csat", "50", "95", "70"), ("hall_service", "50", "60", "600")],
         "monitoring.index.neutral_kpi"),
    ],
)  # fmt: skip
def test_bad_versions_are_refused_with_a_code(world: World, weights, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        index_version_create(
            actor=world.users["manager"], effective_from=dt.date(2026, 12, 1), weights=weights
        )
    assert caught.value.code == code
    assert IndexVersion.objects.count() == 1


def test_a_version_cannot_start_before_the_latest(world: World) -> None:
    with pytest.raises(DomainError) as caught:
        index_version_create(
            actor=world.users["manager"],
            effective_from=dt.date(2025, 6, 1),
            weights=[("csat", "100", "95", "70")],
        )
    assert caught.value.code == "monitoring.index.effective_before_latest"
    assert "生效日期" in caught.value.message
