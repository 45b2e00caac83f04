"""Correlating power events up the topology into outage decisions (framework-free).

Input: a topology snapshot of the feeders being judged (台区 per feeder, meters per 台区),
the current supply state of their meters and terminals (off/on with the device time that
set it), the unplanned outages still open there, and the planned outages in progress.
Output: `Decisions`, which `services.detect` applies in one transaction.

The rules (thresholds are `Thresholds`, from the OUTAGES_* settings):

1. A 台区 is *out* when its terminal (集中器) is off, or when at least `transformer_share` of
   its meters — and at least `transformer_min_meters` of them — went off within `window`
   of the 台区's latest power_off. A meter off long before that burst (a customer fault of
   last week) does not make today's outage. The terminal sits at the transformer, so it
   settles lost events: its power_on ends the power_offs of meters before it (their own
   power_on lost), and a meter's power_on after the terminal's power_off ends that (the
   terminal's power_on lost).
2. A feeder is out when at least `feeder_min_transformers` of its 台区, and at least
   `feeder_share` of them, are out: one feeder outage covers them all.
3. A meter or 台区 covered by a planned outage in progress is explained by it: it counts for
   no new outage and its events are linked to the planned one.
4. An off meter whose 台区 is not out is a possible customer-side fault (level customer),
   never an outage of the network; it clears itself when the meter comes back. It is
   recorded only once its power_off is `customer_settle` old, so the first meters of a
   storm's burst are not each recorded and dismissed a second later.
5. Open outages are matched first, so a scope grows (a 台区 more), is upgraded (台区 → feeder,
   the other 台区 outages of the feeder absorbed into it) or shrinks (a 台区 whose supply came
   back is restored, its customers' restoration times kept); when nothing in its scope is out
   any more the outage closes, restored at the last power_on. A customer-level record whose
   台区 went out is dismissed: the 台区's outage has that customer now.
6. Every customer in an open outage whose meter reported power_on after going off gets its
   own restoration time (per-customer restoration), whatever the rest of the outage does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridcare.outages.engine.decisions import (
    Absorb,
    Close,
    Decisions,
    Dismiss,
    Explain,
    Grow,
    MeterOn,
    Open,
    Shrink,
)
from gridcare.outages.engine.snapshot import (
    CUSTOMER,
    FEEDER,
    TRANSFORMER,
    OpenOutage,
    PlannedCover,
    Snapshot,
    Supply,
    Thresholds,
    Topology,
)

__all__ = [
    "CUSTOMER",
    "FEEDER",
    "TRANSFORMER",
    "Absorb",
    "Close",
    "Decisions",
    "Dismiss",
    "Explain",
    "Grow",
    "MeterOn",
    "Open",
    "OpenOutage",
    "PlannedCover",
    "Shrink",
    "Snapshot",
    "Supply",
    "Thresholds",
    "Topology",
    "correlate",
]


@dataclass(frozen=True)
class _AreaState:
    """One 台区 judged: out or not, since when, and when its supply came back."""

    out: bool
    out_since: datetime | None
    back_at: datetime | None


def correlate(snapshot: Snapshot, thresholds: Thresholds) -> Decisions:
    """The decisions for the feeders of `snapshot` (rules in the module docstring)."""
    decisions = Decisions()
    covered_meters, covered_areas = _planned_cover(snapshot, decisions)
    areas = {
        tr: _area_state(snapshot, tr, covered_meters, thresholds)
        for trs in snapshot.topology.feeders.values()
        for tr in trs
        if tr not in covered_areas
    }
    for feeder_id, trs in snapshot.topology.feeders.items():
        _judge_feeder(snapshot, feeder_id, trs, areas, thresholds, decisions)
    _customer_faults(snapshot, areas, covered_meters, thresholds, decisions)
    _meters_back(snapshot, decisions)
    return decisions


def _planned_cover(snapshot: Snapshot, decisions: Decisions) -> tuple[set[int], set[int]]:
    meters: set[int] = set()
    areas: set[int] = set()
    for planned in snapshot.planned:
        meters |= planned.meter_ids
        areas |= planned.transformer_ids
        decisions.explains.append(Explain(planned.id, planned.meter_ids, planned.transformer_ids))
    return meters, areas


def _area_state(
    snapshot: Snapshot, tr: int, covered: set[int], thresholds: Thresholds
) -> _AreaState:
    meter_ids = [m for m in snapshot.topology.meters.get(tr, ()) if m not in covered]
    offs = [snapshot.meters[m].changed_at for m in meter_ids if _off(snapshot.meters.get(m))]
    terminal = snapshot.terminals.get(tr)
    if (
        terminal is not None
        and terminal.is_off
        and not _meter_on_since(snapshot, meter_ids, terminal.changed_at)
    ):
        since = min([terminal.changed_at, *_burst(offs, thresholds.window)])
        return _AreaState(out=True, out_since=since, back_at=None)
    if terminal is not None and not terminal.is_off:
        # The terminal sits at the transformer: supply back there means the meters' older
        # power_offs are over, whether or not their power_on arrived.
        offs = [at for at in offs if at > terminal.changed_at]
    burst = _burst(offs, thresholds.window)
    enough = len(burst) >= thresholds.transformer_min_meters
    share = len(burst) / len(meter_ids) if meter_ids else 0.0
    if enough and share >= thresholds.transformer_share:
        return _AreaState(out=True, out_since=min(burst), back_at=None)
    return _AreaState(out=False, out_since=None, back_at=_last_on(snapshot, tr, meter_ids))


def _meter_on_since(snapshot: Snapshot, meter_ids: Iterable[int], moment: datetime) -> bool:
    """A meter of the 台区 reported power_on after `moment` (the terminal's power_on was
    lost: the area has supply again)."""
    for meter in meter_ids:
        supply = snapshot.meters.get(meter)
        if supply is not None and not supply.is_off and supply.changed_at > moment:
            return True
    return False


def _burst(offs: list[datetime], window: timedelta) -> list[datetime]:
    """The power_off times within `window` of the latest one."""
    if not offs:
        return []
    latest = max(offs)
    return [at for at in offs if at >= latest - window]


def _off(supply: Supply | None) -> bool:
    return supply is not None and supply.is_off


def _last_on(snapshot: Snapshot, tr: int, meter_ids: Iterable[int]) -> datetime | None:
    ons = [
        s.changed_at
        for s in (snapshot.meters.get(m) for m in meter_ids)
        if s is not None and not s.is_off
    ]
    terminal = snapshot.terminals.get(tr)
    if terminal is not None and not terminal.is_off:
        ons.append(terminal.changed_at)
    return max(ons) if ons else None


def _network_outages(snapshot: Snapshot, feeder_id: int) -> list[OpenOutage]:
    found = [o for o in snapshot.open_outages if o.feeder_id == feeder_id and o.level != CUSTOMER]
    return sorted(found, key=lambda o: (o.starts_at, o.id))


def _judge_feeder(
    snapshot: Snapshot,
    feeder_id: int,
    trs: tuple[int, ...],
    areas: Mapping[int, _AreaState],
    thresholds: Thresholds,
    decisions: Decisions,
) -> None:
    judged = [tr for tr in trs if tr in areas]
    out = [tr for tr in judged if areas[tr].out]
    feeder_out = (
        len(out) >= thresholds.feeder_min_transformers
        and len(out) / max(len(judged), 1) >= thresholds.feeder_share
    )
    open_here = _network_outages(snapshot, feeder_id)
    if feeder_out:
        kept = _feeder_outage(feeder_id, out, areas, open_here, decisions)
    else:
        kept = _transformer_outages(feeder_id, out, areas, open_here, decisions)
    for outage in open_here:
        if outage.id not in kept:
            continue
        _shrink_or_close(outage, areas, decisions)


def _feeder_outage(
    feeder_id: int,
    out: list[int],
    areas: Mapping[int, _AreaState],
    open_here: list[OpenOutage],
    decisions: Decisions,
) -> set[int]:
    """One outage for the feeder: the oldest open one grows (and is upgraded), the other
    open 台区 outages of the feeder are absorbed into it."""
    out_set = frozenset(out)
    if not open_here:
        starts = min(_since(areas, tr) for tr in out)
        decisions.opens.append(Open(FEEDER, feeder_id, out_set, starts))
        return set()
    primary, others = open_here[0], open_here[1:]
    scope = set(primary.transformer_ids)
    for other in others:
        decisions.absorbs.append(Absorb(other.id, primary.id))
        scope |= other.transformer_ids
    added = out_set - scope
    upgrade = primary.level != FEEDER
    if added or upgrade or others:
        decisions.grows.append(Grow(primary.id, frozenset(added), upgrade_to_feeder=upgrade))
    merged = OpenOutage(
        id=primary.id,
        level=FEEDER,
        feeder_id=feeder_id,
        starts_at=primary.starts_at,
        transformer_ids=frozenset(scope | out_set),
        restored_transformer_ids=primary.restored_transformer_ids,
    )
    _shrink_or_close(merged, areas, decisions)
    return set()


def _transformer_outages(
    feeder_id: int,
    out: list[int],
    areas: Mapping[int, _AreaState],
    open_here: list[OpenOutage],
    decisions: Decisions,
) -> set[int]:
    """Each out 台区 in an open outage already (a feeder one keeps it), or a new one."""
    live = {
        tr: outage.id
        for outage in open_here
        for tr in outage.transformer_ids - outage.restored_transformer_ids
    }
    for tr in out:
        if tr not in live:
            since = _since(areas, tr)
            decisions.opens.append(Open(TRANSFORMER, feeder_id, frozenset({tr}), since))
    return {o.id for o in open_here}


def _shrink_or_close(
    outage: OpenOutage, areas: Mapping[int, _AreaState], decisions: Decisions
) -> None:
    """台区 of the scope whose supply came back leave it; when none is left out, close."""
    judged = {tr for tr in outage.transformer_ids if tr in areas}
    if not judged or any(areas[tr].out for tr in judged):
        back = judged - outage.restored_transformer_ids
        back = {tr for tr in back if not areas[tr].out}
        if back:
            decisions.shrinks.append(
                Shrink(outage.id, frozenset(back), _back_at(outage, back, areas))
            )
        return
    decisions.closes.append(Close(outage.id, _back_at(outage, judged, areas)))


def _back_at(outage: OpenOutage, trs: set[int], areas: Mapping[int, _AreaState]) -> datetime:
    """The last power_on of those 台区 (the outage start when none reported one)."""
    times = [at for tr in trs if (at := areas[tr].back_at) is not None and at > outage.starts_at]
    return max(times) if times else outage.starts_at


def _customer_faults(
    snapshot: Snapshot,
    areas: Mapping[int, _AreaState],
    covered: set[int],
    thresholds: Thresholds,
    decisions: Decisions,
) -> None:
    """Off meters of 台区 that are not out: one customer-level record each, cleared when the
    meter comes back; those whose 台区 went out are absorbed by the 台区's outage."""
    feeder_of = snapshot.topology.feeder_of()
    settled = None if snapshot.now is None else snapshot.now - thresholds.customer_settle
    open_by_meter = {
        o.meter_id: o for o in snapshot.open_outages if o.level == CUSTOMER and o.meter_id
    }
    for tr, state in areas.items():
        for meter_id in snapshot.topology.meters.get(tr, ()):
            supply = snapshot.meters.get(meter_id)
            existing = open_by_meter.pop(meter_id, None)
            if existing is not None and state.out:
                decisions.dismisses.append(Dismiss(existing.id, tr))
            elif existing is not None and supply is not None and not supply.is_off:
                decisions.closes.append(Close(existing.id, supply.changed_at))
            elif existing is None and _off(supply) and not state.out and meter_id not in covered:
                assert supply is not None
                if settled is not None and supply.changed_at > settled:
                    continue  # maybe the first of a burst: judged again next run
                feeder_id = feeder_of[tr]
                decisions.opens.append(
                    Open(CUSTOMER, feeder_id, frozenset({tr}), supply.changed_at, meter_id)
                )


def _meters_back(snapshot: Snapshot, decisions: Decisions) -> None:
    """Per-customer restoration: a meter of an open network outage that reported power_on
    after the outage began is restored at that device time."""
    for outage in snapshot.open_outages:
        if outage.level == CUSTOMER:
            continue
        for tr in outage.transformer_ids:
            for meter_id in snapshot.topology.meters.get(tr, ()):
                supply = snapshot.meters.get(meter_id)
                if (
                    supply is not None
                    and not supply.is_off
                    and supply.changed_at > outage.starts_at
                    and meter_id not in outage.restored_meter_ids
                ):
                    decisions.meters_on.append(MeterOn(outage.id, meter_id, supply.changed_at))


def _since(areas: Mapping[int, _AreaState], tr: int) -> datetime:
    since = areas[tr].out_since
    if since is None:  # an out 台区 always has one; a bug otherwise
        raise ValueError(f"台区 {tr} is out without an off time")
    return since
