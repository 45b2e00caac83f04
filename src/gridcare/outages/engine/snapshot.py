"""What the correlation engine judges (engine.correlate): thresholds, the topology of the
judged feeders, supply states, open and planned outages. Framework-free."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

FEEDER = "feeder"
TRANSFORMER = "transformer"
CUSTOMER = "customer"


@dataclass(frozen=True)
class Thresholds:
    window: timedelta
    transformer_share: float
    feeder_share: float
    feeder_min_transformers: int
    transformer_min_meters: int = 2
    #: A lone off meter becomes a customer fault only once its power_off is this old: in a
    #: storm the first event of a 台区 arrives before its neighbours'.
    customer_settle: timedelta = timedelta(0)


@dataclass(frozen=True)
class Supply:
    """A device's last known state and the device time of the event that set it."""

    is_off: bool
    changed_at: datetime


@dataclass(frozen=True)
class Topology:
    """feeder id → its 台区 ids; 台区 id → its meter ids (customer meters only)."""

    feeders: Mapping[int, tuple[int, ...]]
    meters: Mapping[int, tuple[int, ...]]

    def feeder_of(self) -> dict[int, int]:
        return {tr: feeder for feeder, trs in self.feeders.items() for tr in trs}


@dataclass(frozen=True)
class OpenOutage:
    """An unplanned outage still active: its level, root and the 台区 in its scope (for a
    customer-level record, the one meter)."""

    id: int
    level: str
    feeder_id: int
    starts_at: datetime
    transformer_ids: frozenset[int]
    meter_id: int | None = None
    #: Meters already given their own restoration time (not reported again).
    restored_meter_ids: frozenset[int] = frozenset()
    #: 台区 of the scope already restored (shrunk away).
    restored_transformer_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PlannedCover:
    """A planned outage in progress and what it covers."""

    id: int
    meter_ids: frozenset[int]
    transformer_ids: frozenset[int]
    starts_at: datetime


@dataclass(frozen=True)
class Snapshot:
    topology: Topology
    meters: Mapping[int, Supply]
    terminals: Mapping[int, Supply]  # 台区 id → its terminal's state
    open_outages: tuple[OpenOutage, ...] = ()
    planned: tuple[PlannedCover, ...] = ()
    #: The moment of judging (for the customer-fault settle time); None: no settle time.
    now: datetime | None = None
