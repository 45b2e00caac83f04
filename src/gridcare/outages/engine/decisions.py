"""What the correlation engine decides (engine.correlate), for services.detect_apply to
write. Framework-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Open:
    level: str
    feeder_id: int
    transformer_ids: frozenset[int]
    starts_at: datetime
    meter_id: int | None = None


@dataclass(frozen=True)
class Grow:
    outage_id: int
    transformer_ids: frozenset[int]
    upgrade_to_feeder: bool = False


@dataclass(frozen=True)
class Absorb:
    """Outage `outage_id` is part of `into_id` (its customers move there)."""

    outage_id: int
    into_id: int


@dataclass(frozen=True)
class Shrink:
    """台区 of an open outage whose supply came back at `restored_at`."""

    outage_id: int
    transformer_ids: frozenset[int]
    restored_at: datetime


@dataclass(frozen=True)
class MeterOn:
    outage_id: int
    meter_id: int
    on_at: datetime


@dataclass(frozen=True)
class Close:
    outage_id: int
    restored_at: datetime


@dataclass(frozen=True)
class Dismiss:
    """A customer-level record withdrawn: its 台区 went out, the network outage has it."""

    outage_id: int
    into_transformer_id: int


@dataclass(frozen=True)
class Explain:
    planned_id: int
    meter_ids: frozenset[int]
    transformer_ids: frozenset[int]


@dataclass
class Decisions:
    opens: list[Open] = field(default_factory=list)
    grows: list[Grow] = field(default_factory=list)
    absorbs: list[Absorb] = field(default_factory=list)
    shrinks: list[Shrink] = field(default_factory=list)
    meters_on: list[MeterOn] = field(default_factory=list)
    closes: list[Close] = field(default_factory=list)
    dismisses: list[Dismiss] = field(default_factory=list)
    explains: list[Explain] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(
            (
                self.opens,
                self.grows,
                self.absorbs,
                self.shrinks,
                self.meters_on,
                self.closes,
                self.dismisses,
            )
        )
