"""Alert rules: each kind fires on its condition and not below it, once per window, and
tells the responsible managers once each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gridcare.core.choices import Role
from gridcare.core.errors import DomainError
from gridcare.core.models import AuditLog
from gridcare.core.services import staff_user_create
from gridcare.monitoring.models import AlertFiring, AlertRule
from gridcare.monitoring.services.alert_rules import alert_rule_update
from gridcare.monitoring.services.alerts import alerts_evaluate, window_start
from gridcare.notify.models import StaffNotice
from gridcare.testing.personas import World

from .index_support import bj, fact, order, rating, stopped_clock

NOW = bj(2026, 11, 20, 10, 0)


def _only(code: str) -> AlertRule:
    """Leave one preset rule active (the others have no data anyway; this keeps it plain)."""
    AlertRule.objects.exclude(code=code).update(active=False)
    return AlertRule.objects.get(code=code)


def _clocks(world: World, met: int, late: int, unit=None) -> None:  # type: ignore[no-untyped-def]
    unit = unit or world.station_1
    for i in range(met + late):
        deadline = bj(2026, 11, 20, 9, 0)
        stopped = deadline + dt.timedelta(minutes=-30 if i < met else 30)
        stopped_clock(unit, deadline=deadline, stopped=stopped)


def test_window_start_is_aligned_to_the_window_length() -> None:
    assert window_start(NOW, 24) == bj(2026, 11, 20)
    assert window_start(NOW, 2) == bj(2026, 11, 20, 10)
    assert window_start(bj(2026, 11, 20, 11, 59), 2) == bj(2026, 11, 20, 10)


def test_sla_under_target_fires_once_per_window_and_tells_each_manager_once(
    world: World,
) -> None:
    _only("sla-below-target")
    second = staff_user_create(
        actor=None, username="manager2", display_name="经理二", role=Role.MANAGER,
        org_unit=world.bureau, password=None,
    )  # fmt: skip
    _clocks(world, met=4, late=1)  # 80 % < 90 %
    fired = alerts_evaluate(now=NOW)
    assert [(f.subject, f.value) for f in fired] == [("unit:S1", 80.0)]
    # Evaluated again within the same window: nothing new, nobody told twice.
    assert alerts_evaluate(now=NOW + dt.timedelta(hours=1)) == []
    assert alerts_evaluate(now=NOW + dt.timedelta(hours=2)) == []
    firing = AlertFiring.objects.get()
    assert firing.window_start == bj(2026, 11, 20)
    assert firing.notified == 2
    assert firing.link == "/console/monitoring/sla/?org=S1&from=2026-11-19&to=2026-11-20"
    notices = StaffNotice.objects.filter(kind="monitoring.alert")
    assert sorted(n.user.username for n in notices) == ["manager", second.username]
    assert {n.link for n in notices} == {firing.link}
    # Still true in the next window (the clocks are within its 24 h): fires again.
    again = alerts_evaluate(now=bj(2026, 11, 21, 1, 0))
    assert [f.window_start for f in again] == [bj(2026, 11, 21)]
    assert StaffNotice.objects.filter(kind="monitoring.alert").count() == 4


@pytest.mark.parametrize(("met", "late"), [(9, 1), (2, 2)])
def test_sla_at_target_or_too_few_clocks_does_not_fire(world: World, met: int, late: int) -> None:
    _only("sla-below-target")
    _clocks(world, met=met, late=late)  # 90 % is not under 90 %; 4 clocks are under 5
    assert alerts_evaluate(now=NOW) == []


def test_a_rule_scoped_to_another_unit_does_not_fire(world: World) -> None:
    rule = _only("sla-below-target")
    _clocks(world, met=0, late=5)
    AlertRule.objects.filter(pk=rule.pk).update(org_unit=world.station_2)
    assert alerts_evaluate(now=NOW) == []
    AlertRule.objects.filter(pk=rule.pk).update(org_unit=world.station_1)
    assert [f.subject for f in alerts_evaluate(now=NOW)] == ["unit:S1"]


def test_an_inactive_rule_does_not_fire(world: World) -> None:
    rule = _only("sla-below-target")
    AlertRule.objects.filter(pk=rule.pk).update(active=False)
    _clocks(world, met=0, late=5)
    assert alerts_evaluate(now=NOW) == []


@pytest.mark.parametrize(
    ("baseline", "complaints", "fires"),
    [(28, 5, True), (70, 5, True), (84, 5, False), (0, 4, False), (0, 5, True)],
)
def test_complaint_spike_against_the_28_day_baseline(
    world: World, baseline: int, complaints: int, fires: bool
) -> None:
    _only("complaint-spike")
    # Baseline days 10-22 … 11-18 (before the window's first day 11-19); on the team, as
    # facts sit on the most precise unit: it counts for its station.
    fact(dt.date(2026, 11, 1), "complaints", world.team_1, n=baseline)
    fact(dt.date(2026, 11, 19), "complaints", world.team_1, n=500)  # inside: not baseline
    for _ in range(complaints):
        order("complaint", NOW - dt.timedelta(hours=3), unit=world.station_1)
    order("complaint", NOW - dt.timedelta(hours=30), unit=world.station_1)  # before the window
    fired = alerts_evaluate(now=NOW)
    assert [f.subject for f in fired] == (["unit:S1"] if fires else [])
    if fires:
        assert fired[0].value == complaints
        assert fired[0].baseline == pytest.approx(baseline / 28)


@pytest.mark.parametrize(("baseline_n", "fires"), [(90, True), (89, False)])
def test_csat_drop_of_ten_points_fires_nine_does_not(
    world: World, baseline_n: int, fires: bool
) -> None:
    _only("csat-drop")
    fact(dt.date(2026, 11, 10), "csat", world.station_1, n=baseline_n, d=100)
    for stars in [5] * 8 + [2] * 2:  # 80 % satisfied
        rating(world.station_1, stars, NOW - dt.timedelta(hours=2))
    fired = alerts_evaluate(now=NOW)
    assert [f.subject for f in fired] == (["unit:S1"] if fires else [])


def test_csat_drop_needs_enough_ratings(world: World) -> None:
    _only("csat-drop")
    fact(dt.date(2026, 11, 10), "csat", world.station_1, n=95, d=100)
    for _ in range(9):
        rating(world.station_1, 1, NOW - dt.timedelta(hours=2))
    assert alerts_evaluate(now=NOW) == []


@pytest.mark.parametrize(("calls", "fires"), [(5, True), (4, False)])
def test_repair_surge_on_one_feeder(world: World, calls: int, fires: bool) -> None:
    _only("repair-surge")
    for _ in range(calls):
        order("fault_repair", NOW - dt.timedelta(minutes=50), unit=world.station_1,
              feeder=world.feeder_1)  # fmt: skip
    for _ in range(3):  # another feeder, and calls before the 2 h window
        order("fault_repair", NOW - dt.timedelta(minutes=5), unit=world.station_2,
              feeder=world.feeder_2)  # fmt: skip
        order("fault_repair", NOW - dt.timedelta(hours=3), unit=world.station_1,
              feeder=world.feeder_1)  # fmt: skip
    fired = alerts_evaluate(now=NOW)
    assert [f.subject for f in fired] == ([f"feeder:{world.feeder_1.pk}"] if fires else [])
    if fires:
        assert fired[0].org_unit == world.station_1
        assert fired[0].subject_label == world.feeder_1.name
        assert fired[0].window_start == bj(2026, 11, 20, 10)


def test_cli_prints_what_fired(world: World) -> None:
    _only("sla-below-target")
    _clocks(world, met=0, late=5)
    out = StringIO()
    call_command("monitoring", "alerts", "--now", "2026-11-20T10:00", stdout=out)
    assert "sla-below-target" in out.getvalue()
    assert "石牌供电所" in out.getvalue()
    out = StringIO()
    call_command("monitoring", "alerts", "--now", "2026-11-20T10:30", stdout=out)
    assert "No alert fired" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("monitoring", "alerts", "--now", "yesterday")


def test_rule_update_is_validated_and_audited(world: World) -> None:
    rule = AlertRule.objects.get(code="csat-drop")
    manager = world.users["manager"]
    with pytest.raises(DomainError) as caught:
        alert_rule_update(actor=manager, rule=rule, threshold=Decimal("150"), window_hours=24,
                          baseline_days=28, min_count=10, active=True)  # fmt: skip
    assert caught.value.code == "monitoring.alert_rule.threshold_over_100"
    with pytest.raises(DomainError) as caught:
        alert_rule_update(actor=manager, rule=rule, threshold=Decimal("5"), window_hours=0,
                          baseline_days=28, min_count=10, active=True)  # fmt: skip
    assert caught.value.code == "monitoring.alert_rule.bad_window"
    alert_rule_update(actor=manager, rule=rule, threshold=Decimal("15"), window_hours=12,
                      baseline_days=14, min_count=20, active=False)  # fmt: skip
    rule.refresh_from_db()
    assert (rule.threshold, rule.window_hours, rule.active) == (Decimal("15"), 12, False)
    audit = AuditLog.objects.get(action="monitoring.alert_rule.update")
    assert audit.data["before"]["threshold"] == "10.00"
    assert audit.data["after"]["min_count"] == 20
