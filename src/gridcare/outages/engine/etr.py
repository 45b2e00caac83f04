"""Estimated restoration time (ETR) from the history of similar outages (framework-free).

An estimate, not a promise: the median duration of past outages that resemble this one,
narrowed as far as the history allows. The steps, most similar first; the first with at
least `min_samples` past outages wins:

1. same feeder, same cause, same season;
2. same feeder, same cause;
3. same feeder;
4. same level (feeder / 台区), same cause, same season, anywhere;
5. same level, anywhere;
6. every past outage;
7. nothing similar: `default_minutes` (method "default", n = 0).

The median rather than the mean: a few storm outages of a day would drag a mean far past
what most customers wait. The basis (method, n, median minutes) goes with the estimate so a
screen can say "约 95 分钟（依据 12 次同线路同季节停电）".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring"}
SEASONS |= {6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}


def season_of(moment: datetime) -> str:
    """Season of a (local) date: meteorological seasons, winter = Dec–Feb."""
    return SEASONS[moment.month]


@dataclass(frozen=True)
class PastOutage:
    feeder_id: int | None
    cause: str
    level: str
    season: str
    minutes: float


@dataclass(frozen=True)
class OutageProfile:
    """What is known of the outage to estimate."""

    feeder_id: int | None
    cause: str
    level: str
    season: str


@dataclass(frozen=True)
class Estimate:
    minutes: int
    method: str  # feeder_cause_season | feeder_cause | feeder | level_cause_season | …
    n: int
    median_minutes: float | None

    def basis(self) -> dict[str, object]:
        return {
            "method": self.method,
            "n": self.n,
            "median_minutes": self.median_minutes,
            "estimate": True,
        }

    def at(self, start: datetime) -> datetime:
        return start + timedelta(minutes=self.minutes)


Match = Callable[[PastOutage, OutageProfile], bool]

STEPS: tuple[tuple[str, Match], ...] = (
    (
        "feeder_cause_season",
        lambda p, o: p.feeder_id == o.feeder_id and p.cause == o.cause and p.season == o.season,
    ),
    ("feeder_cause", lambda p, o: p.feeder_id == o.feeder_id and p.cause == o.cause),
    ("feeder", lambda p, o: p.feeder_id == o.feeder_id),
    (
        "level_cause_season",
        lambda p, o: p.level == o.level and p.cause == o.cause and p.season == o.season,
    ),
    ("level", lambda p, o: p.level == o.level),
    ("all", lambda p, o: True),
)


def estimate(
    outage: OutageProfile,
    history: Sequence[PastOutage],
    *,
    min_samples: int = 3,
    default_minutes: int = 120,
) -> Estimate:
    """The ETR of `outage` from `history` (the steps of the module docstring)."""
    for method, matches in STEPS:
        if method.startswith("feeder") and outage.feeder_id is None:
            continue
        minutes = [p.minutes for p in history if matches(p, outage)]
        if len(minutes) >= min_samples:
            middle = float(median(minutes))
            return Estimate(
                minutes=max(1, round(middle)),
                method=method,
                n=len(minutes),
                median_minutes=round(middle, 1),
            )
    return Estimate(minutes=default_minutes, method="default", n=0, median_minutes=None)
