"""What a rollup source yields: one SQL-grouped row of a metric for one day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import NamedTuple


class FactRow(NamedTuple):
    day: dt.date
    metric: str
    org_unit_id: int
    channel: str = ""
    key: str = ""
    n: int = 0
    d: int = 0
    total: float = 0.0


Source = Callable[[dt.date, dt.date], Iterable[FactRow]]
