"""Shapes of /api/v1/calendar."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from annotated_types import Ge, Le
from ninja import Path, Schema
from pydantic import BeforeValidator

from gridcare.core.models import CALENDAR_MAX_YEAR, CALENDAR_MIN_YEAR
from gridcare.core.schemas import coded, whole_number

#: A calendar year in a path: digits only; outside the range a 400 `core.calendar.bad_year`.
YearPath = Path[
    Annotated[
        int,
        Ge(CALENDAR_MIN_YEAR),
        Le(CALENDAR_MAX_YEAR),
        BeforeValidator(whole_number),
        coded(
            "core.calendar.bad_year",
            f"年份应为 {CALENDAR_MIN_YEAR}–{CALENDAR_MAX_YEAR} 之间的整数",
        ),
    ]
]


class CalendarDayOut(Schema):
    date: dt.date
    kind: str  # "holiday" | "makeup_workday"
    name: str


class CalendarYearOut(Schema):
    """A year as it is applied: `source` says who decided it ("official" = entered here,
    "chinese_calendar", "provisional" = the statutory-holiday estimate, no 调休)."""

    year: int
    source: str
    provisional: bool
    reference: str
    days: list[CalendarDayOut]
