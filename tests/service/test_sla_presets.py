"""SLA presets as data: SGCC 2023 and CSG seeded, limits by area class, the policy in use
switched for new orders only, provisional deadlines marked and recomputed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from gridcare.service.models import SlaClock, SlaPolicy, SlaRule
from gridcare.service.services.sla import clocks_recompute, on_calendar_changed, sla_policy_use
from gridcare.service.sla_presets import PresetError, sla_presets_load, sla_presets_sync
from gridcare.service.sla_selectors import clock_status, order_sla
from gridcare.testing.personas import World
from tests.service.sla_support import act, bj, clock, new_order


def test_both_presets_are_seeded_and_sgcc_2023_is_in_use(db: None) -> None:
    assert set(SlaPolicy.objects.values_list("code", flat=True)) == {"sgcc_2023", "csg"}
    assert SlaPolicy.objects.get(in_use=True).code == "sgcc_2023"
    sgcc = SlaPolicy.objects.get(code="sgcc_2023")
    assert sgcc.rules.filter(clock="repair_arrival").count() == 3
    assert str(sgcc.warn_ratio) == "0.80"
    assert (sgcc.office_opens, sgcc.office_closes) == (dt.time(8, 30), dt.time(17, 30))


@pytest.mark.parametrize(
    ("code", "area", "arrival_min", "restoration_h"),
    [
        ("sgcc_2023", "urban", 45, 3),
        ("sgcc_2023", "rural", 90, 4),
        ("sgcc_2023", "remote", 120, 4),
        ("csg", "urban", 45, 4),
        ("csg", "rural", 90, 5),
        ("csg", "remote", 120, 5),
    ],
)
def test_repair_limits_follow_the_area_class_of_the_policy(
    world: World, code: str, area: str, arrival_min: int, restoration_h: int
) -> None:
    sla_policy_use(actor=None, code=code)
    start = bj(2025, 3, 5, 10, 0)
    order = new_order(world, "fault_repair", start, area_class=area)
    assert order.area_class == area
    assert clock(order, "repair_arrival").deadline_at == start + dt.timedelta(minutes=arrival_min)
    act(order, "arrive", start + dt.timedelta(minutes=30))
    restoration = clock(order, "repair_restoration")
    assert restoration.deadline_at == start + dt.timedelta(minutes=30, hours=restoration_h)


def test_switching_the_policy_changes_new_orders_not_running_ones(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    start = bj(2025, 3, 5, 10, 0)
    running = new_order(world, "fault_repair", start)

    csg = SlaPolicy.objects.get(code="csg")
    response = client_for("admin").post(
        "/admin/service/slapolicy/",
        {"action": "use_policy", "_selected_action": [csg.pk]},
    )
    assert response.status_code == 302
    assert list(SlaPolicy.objects.filter(in_use=True).values_list("code", flat=True)) == ["csg"]

    fresh = new_order(world, "fault_repair", start)
    for order in (running, fresh):
        act(order, "arrive", start + dt.timedelta(minutes=10))
    # SGCC 2023 urban 3 h for the order accepted under it, CSG urban 4 h for the new one.
    assert clock(running, "repair_restoration").limit == 3
    assert clock(fresh, "repair_restoration").limit == 4
    assert clock(running, "repair_restoration").rule.policy.code == "sgcc_2023"


def test_two_policies_in_use_are_refused_by_the_database(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaPolicy.objects.filter(code="csg").update(in_use=True)


def test_no_policy_in_use_means_no_clocks(world: World) -> None:
    SlaPolicy.objects.update(in_use=False)
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    assert not SlaClock.objects.filter(order=order).exists()


def test_sync_keeps_what_admins_changed_and_restores_a_deleted_preset(db: None) -> None:
    SlaRule.objects.filter(policy__code="sgcc_2023", clock="complaint_reply").update(limit=3)
    SlaPolicy.objects.filter(code="csg").delete()

    assert sla_presets_sync() == 1

    assert SlaRule.objects.get(policy__code="sgcc_2023", clock="complaint_reply").limit == 3
    assert SlaPolicy.objects.get(code="csg").rules.count() == 15  # 13 + reconnection, disconnection
    assert SlaPolicy.objects.get(in_use=True).code == "sgcc_2023"


def test_a_wrong_presets_file_fails_loudly(tmp_path: Path) -> None:
    good = Path(__file__).parents[2] / "src/gridcare/service/data/sla_presets.toml"
    assert len(sla_presets_load(good)) == 2
    for wrong, message in [
        ('clock = "repair_arrival"', 'clock = "repair_arival"'),
        ("limit = 45", "limit = 0"),
        ('unit = "minutes"', 'unit = "weeks"'),
        ("default = false", "default = true"),
        ('category = "request.reconnection"', 'category = "request.reconect"'),
    ]:
        path = tmp_path / "presets.toml"
        path.write_text(good.read_text(encoding="utf-8").replace(wrong, message, 1), "utf-8")
        with pytest.raises(PresetError):
            sla_presets_load(path)


def test_a_deadline_in_a_year_without_calendar_is_provisional(world: World) -> None:
    """chinese_calendar covers 2025–2026 here: a 5-working-day reply accepted on
    28 December 2026 ends in 2027, decided by the provisional rule (weekends only until the
    year calendars land) and marked so on the clock and in its status."""
    order = new_order(world, "complaint", bj(2026, 12, 28, 10, 0))
    reply = clock(order, "complaint_reply")
    assert reply.provisional
    assert reply.deadline_at.astimezone(bj(2027, 1, 1).tzinfo).date() >= dt.date(2027, 1, 4)
    assert clock_status(reply, bj(2026, 12, 29)).provisional
    # The 24 h contact clock runs on the calendar clock: never provisional.
    assert not clock(order, "complaint_contact").provisional
    status = order_sla(order, bj(2026, 12, 28, 12))
    assert status is not None
    assert status.clock == "complaint_contact"


def test_a_deadline_inside_covered_years_is_not_provisional(world: World) -> None:
    order = new_order(world, "complaint", bj(2025, 12, 1, 10, 0))
    assert not clock(order, "complaint_reply").provisional


def test_recompute_touches_only_running_provisional_clocks_of_the_years(world: World) -> None:
    late = new_order(world, "complaint", bj(2026, 12, 28, 10, 0))
    early = new_order(world, "report", bj(2025, 3, 5, 10, 0))
    done = new_order(world, "opinion", bj(2026, 12, 28, 10, 0))
    act(done, "resolve", bj(2026, 12, 29, 10, 0))
    right = clock(late, "complaint_reply").deadline_at
    stale = bj(2027, 2, 1, 23, 59, 59)
    SlaClock.objects.filter(order__in=[late, done], clock__in=["complaint_reply", "reply"]).update(
        deadline_at=stale
    )
    stale_2025 = bj(2025, 4, 1, 23, 59, 59)
    SlaClock.objects.filter(order=early).update(provisional=True, deadline_at=stale_2025)

    assert clocks_recompute(years=[2028]) == 0
    on_calendar_changed(sender=None, years=[2027])

    assert clock(late, "complaint_reply").deadline_at == right
    assert clock(early, "reply").deadline_at == stale_2025  # its span is 2025 only
    assert clock(done, "reply").deadline_at == stale  # stopped: history stays


def test_recompute_keeps_the_credit_of_finished_pauses(world: World) -> None:
    order = new_order(world, "complaint", bj(2026, 12, 28, 10, 0))
    act(order, "pause", bj(2026, 12, 28, 12, 0))
    act(order, "resume", bj(2026, 12, 28, 15, 0))
    paused_once = clock(order, "complaint_reply").deadline_at

    assert clocks_recompute(years=[2027]) == 1
    assert clock(order, "complaint_reply").deadline_at == paused_once
