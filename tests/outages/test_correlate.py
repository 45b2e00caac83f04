"""The correlation engine on hand-made snapshots (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridcare.outages.engine.correlate import (
    CUSTOMER,
    FEEDER,
    TRANSFORMER,
    OpenOutage,
    PlannedCover,
    Snapshot,
    Supply,
    Thresholds,
    Topology,
    correlate,
)

T0 = datetime(2026, 12, 6, 2, 15, tzinfo=UTC)
RULES = Thresholds(
    window=timedelta(minutes=5),
    transformer_share=0.6,
    feeder_share=0.5,
    feeder_min_transformers=2,
)
# Feeder 1: 台区 10, 11, 12 with five meters each (100–104, 110–114, 120–124).
TOPOLOGY = Topology(
    feeders={1: (10, 11, 12)},
    meters={tr: tuple(range(tr * 10, tr * 10 + 5)) for tr in (10, 11, 12)},
)


def off(*meters: int, at: datetime = T0) -> dict[int, Supply]:
    return {m: Supply(True, at + timedelta(seconds=i)) for i, m in enumerate(meters)}


def on(*meters: int, at: datetime) -> dict[int, Supply]:
    return {m: Supply(False, at) for m in meters}


def snap(meters: dict[int, Supply], **kw: object) -> Snapshot:
    return Snapshot(topology=TOPOLOGY, meters=meters, terminals=kw.pop("terminals", {}), **kw)  # type: ignore[arg-type]


def open_outage(level: str, trs: set[int], **kw: object) -> OpenOutage:
    return OpenOutage(
        id=kw.pop("id", 7),  # type: ignore[arg-type]
        level=level,
        feeder_id=1,
        starts_at=T0,
        transformer_ids=frozenset(trs),
        **kw,  # type: ignore[arg-type]
    )


def test_most_meters_of_a_transformer_off_open_a_transformer_outage() -> None:
    decisions = correlate(snap(off(100, 101, 102)), RULES)
    assert [(o.level, o.transformer_ids, o.starts_at) for o in decisions.opens] == [
        (TRANSFORMER, frozenset({10}), T0)
    ]


def test_below_the_share_each_off_meter_is_a_possible_customer_fault() -> None:
    decisions = correlate(snap(off(100, 101)), RULES)  # 2 of 5 < 60 %
    assert sorted((o.level, o.meter_id) for o in decisions.opens) == [
        (CUSTOMER, 100),
        (CUSTOMER, 101),
    ]


def test_a_terminal_off_alone_takes_the_whole_area_out() -> None:
    decisions = correlate(snap({}, terminals={11: Supply(True, T0)}), RULES)
    assert [(o.level, o.transformer_ids) for o in decisions.opens] == [
        (TRANSFORMER, frozenset({11}))
    ]


def test_meters_off_long_before_the_burst_do_not_count() -> None:
    old = off(100, 101, at=T0 - timedelta(days=2))
    decisions = correlate(snap({**old, **off(102)}), RULES)
    assert all(o.level == CUSTOMER for o in decisions.opens)
    assert len(decisions.opens) == 3


def test_several_transformers_off_open_one_feeder_outage() -> None:
    decisions = correlate(snap(off(100, 101, 102, 110, 111, 112, 113)), RULES)
    assert [(o.level, o.transformer_ids) for o in decisions.opens] == [
        (FEEDER, frozenset({10, 11}))
    ]


def test_a_transformer_outage_grows_into_a_feeder_outage_and_absorbs_its_siblings() -> None:
    meters = off(100, 101, 102, 110, 111, 112, 120, 121, 122)
    first = open_outage(TRANSFORMER, {10}, id=7)
    second = OpenOutage(8, TRANSFORMER, 1, T0 + timedelta(seconds=30), frozenset({11}))
    decisions = correlate(snap(meters, open_outages=(first, second)), RULES)
    assert decisions.opens == []
    assert [(g.outage_id, g.transformer_ids, g.upgrade_to_feeder) for g in decisions.grows] == [
        (7, frozenset({12}), True)
    ]
    assert [(a.outage_id, a.into_id) for a in decisions.absorbs] == [(8, 7)]


def test_an_open_outage_with_nothing_new_decides_nothing() -> None:
    decisions = correlate(
        snap(off(100, 101, 102), open_outages=(open_outage(TRANSFORMER, {10}),)), RULES
    )
    assert decisions.is_empty()


def test_power_back_on_part_of_a_feeder_shrinks_it_then_closes_it() -> None:
    back = T0 + timedelta(minutes=50)
    outage = open_outage(FEEDER, {10, 11, 12})
    meters = {
        **off(100, 101, 102, 103, 110, 111, 112, 120, 121, 122),
        **on(100, 101, 102, 103, at=back),
    }
    shrunk = correlate(snap(meters, open_outages=(outage,)), RULES)
    assert [(s.transformer_ids, s.restored_at) for s in shrunk.shrinks] == [(frozenset({10}), back)]
    assert shrunk.closes == []
    assert sorted(m.meter_id for m in shrunk.meters_on) == [100, 101, 102, 103]

    later = back + timedelta(minutes=10)
    all_on = {m: Supply(False, later) for tr in (10, 11, 12) for m in TOPOLOGY.meters[tr]}
    restored = OpenOutage(
        7, FEEDER, 1, T0, frozenset({10, 11, 12}), restored_transformer_ids=frozenset({10})
    )
    closed = correlate(snap(all_on, open_outages=(restored,)), RULES)
    assert [(c.outage_id, c.restored_at) for c in closed.closes] == [(7, later)]


def test_each_customer_keeps_its_own_restoration_time() -> None:
    first, second = T0 + timedelta(minutes=20), T0 + timedelta(minutes=40)
    meters = {**off(100, 101, 102, 103, 104), **on(100, at=first), **on(101, at=second)}
    decisions = correlate(snap(meters, open_outages=(open_outage(TRANSFORMER, {10}),)), RULES)
    assert sorted((m.meter_id, m.on_at) for m in decisions.meters_on) == [
        (100, first),
        (101, second),
    ]
    assert decisions.closes == []  # three of five still off: the 台区 is still out


def test_a_planned_outage_in_progress_explains_its_events() -> None:
    planned = PlannedCover(
        id=3, meter_ids=frozenset(range(100, 105)), transformer_ids=frozenset({10}), starts_at=T0
    )
    decisions = correlate(snap(off(100, 101, 102, 103, 104), planned=(planned,)), RULES)
    assert decisions.opens == []
    assert [(e.planned_id, e.transformer_ids) for e in decisions.explains] == [(3, frozenset({10}))]


def test_a_customer_fault_clears_itself_when_the_meter_comes_back() -> None:
    back = T0 + timedelta(minutes=12)
    fault = OpenOutage(9, CUSTOMER, 1, T0, frozenset({10}), meter_id=100)
    decisions = correlate(snap(on(100, at=back), open_outages=(fault,)), RULES)
    assert [(c.outage_id, c.restored_at) for c in decisions.closes] == [(9, back)]


def test_a_customer_fault_whose_area_goes_out_is_dismissed() -> None:
    fault = OpenOutage(9, CUSTOMER, 1, T0, frozenset({10}), meter_id=100)
    decisions = correlate(snap(off(100, 101, 102, 103), open_outages=(fault,)), RULES)
    assert [(d.outage_id, d.into_transformer_id) for d in decisions.dismisses] == [(9, 10)]
    assert [o.level for o in decisions.opens] == [TRANSFORMER]


def test_one_transformer_out_on_a_feeder_of_three_is_not_a_feeder_outage() -> None:
    thresholds = Thresholds(timedelta(minutes=5), 0.6, 0.5, 1)
    decisions = correlate(snap(off(100, 101, 102)), thresholds)  # 1 of 3 < 50 %
    assert [o.level for o in decisions.opens] == [TRANSFORMER]


def test_a_lone_meter_waits_the_settle_time_before_it_is_a_customer_fault() -> None:
    settle = Thresholds(timedelta(minutes=5), 0.6, 0.5, 2, customer_settle=timedelta(seconds=60))
    fresh = Snapshot(TOPOLOGY, off(100), {}, now=T0 + timedelta(seconds=10))
    assert correlate(fresh, settle).opens == []
    settled = Snapshot(TOPOLOGY, off(100), {}, now=T0 + timedelta(seconds=61))
    assert [o.meter_id for o in correlate(settled, settle).opens] == [100]


def test_the_terminal_coming_back_ends_meters_whose_power_on_was_lost() -> None:
    back = T0 + timedelta(minutes=30)
    outage = open_outage(TRANSFORMER, {10})
    meters = {**off(100, 101, 102, 103), **on(104, at=back)}  # four power_on lost
    terminals = {10: Supply(False, back)}
    decisions = correlate(snap(meters, terminals=terminals, open_outages=(outage,)), RULES)
    assert [(c.outage_id, c.restored_at) for c in decisions.closes] == [(7, back)]


def test_a_meter_back_after_the_terminal_went_off_ends_the_terminal_s_outage() -> None:
    back = T0 + timedelta(minutes=30)
    outage = open_outage(TRANSFORMER, {10})
    terminals = {10: Supply(True, T0)}  # its power_on was lost
    meters = on(100, 101, 102, 103, 104, at=back)
    decisions = correlate(snap(meters, terminals=terminals, open_outages=(outage,)), RULES)
    assert [c.restored_at for c in decisions.closes] == [back]
