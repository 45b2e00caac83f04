"""A year calendar as iCalendar (RFC 5545), framework-free.

Each run of consecutive rest days with one name is one all-day event (DTEND is the day
after, exclusive, as RFC 5545 §3.6.1 has it); each 调休 make-up working day is an all-day
event of its own. UIDs are stable per year, kind and first date, so a subscribed calendar
updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from icalendar import Calendar, Event

from gridcare.core.workdays import ONE_DAY, YearCalendar

PRODID = "-//GridCare//Working calendar//ZH"
UID_DOMAIN = "calendar.gridcare"


def _runs(days: dict[dt.date, str]) -> list[tuple[str, dt.date, dt.date]]:
    """(name, first, last) for each run of consecutive dates that share a name."""
    ordered = sorted(days.items())
    key = {d: (name, d.toordinal() - i) for i, (d, name) in enumerate(ordered)}
    runs = []
    for (name, _), group in groupby(ordered, key=lambda item: key[item[0]]):
        dates = [d for d, _ in group]
        runs.append((name, dates[0], dates[-1]))
    return runs


def _event(*, uid: str, summary: str, first: dt.date, last: dt.date, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", first)
    event.add("dtend", last + ONE_DAY)
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    return event


def year_to_ical(year: YearCalendar, *, now: dt.datetime) -> bytes:
    """The year's holidays (放假) and make-up working days (调休上班) as all-day events.

    `now` (aware) is the DTSTAMP of every event. A provisional year says so in its name.
    """
    stamp = now.astimezone(dt.UTC)
    label = f"GridCare 工作日历 {year.year}" + ("（暂定）" if year.provisional else "")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", label)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    calendar.add("x-wr-caldesc", f"来源：{year.reference or year.source.value}")
    for name, first, last in _runs(dict(year.holidays)):
        uid = f"{year.year}-holiday-{first:%Y%m%d}@{UID_DOMAIN}"
        summary = f"{name}（放假）"
        calendar.add_component(
            _event(uid=uid, summary=summary, first=first, last=last, stamp=stamp)
        )
    for day, name in sorted(year.makeup_workdays.items()):
        uid = f"{year.year}-makeup-{day:%Y%m%d}@{UID_DOMAIN}"
        summary = f"调休上班（{name}）"
        calendar.add_component(_event(uid=uid, summary=summary, first=day, last=day, stamp=stamp))
    return calendar.to_ical()
