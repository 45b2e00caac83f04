"""System check: from 1 November, warn while next year has no calendar (and always while
this year has none), so deadlines stop being provisional before they matter.

A database check (`Tags.database`): it runs at `gridcare migrate` and with
`gridcare check --database default`, not on every start, because it reads the database.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import connection
from django.utils import timezone

from gridcare.core.calendar import calendar_next_year_missing
from gridcare.core.models import CalendarYear


@register(Tags.database)
def check_next_year_calendar(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not kwargs.get("databases") or not _calendar_table_exists():
        # `migrate` runs the database checks before it applies migrations: on a new or
        # older database the calendar table does not exist yet.
        return []
    year = calendar_next_year_missing(timezone.localdate())
    if year is None:
        return []
    return [
        Warning(
            f"no working calendar for {year}: working-day deadlines in {year} are provisional "
            "(statutory holidays only, no 调休)",
            hint=f"Import the State Council's {year} holiday notice: "
            f"gridcare calendar import {year}.toml (docs/data-formats.md), or enter it in the admin.",
            id="gridcare.W101",
        )
    ]


def _calendar_table_exists() -> bool:
    return CalendarYear._meta.db_table in connection.introspection.table_names()
