"""Year calendar use cases: import a file, record an admin edit or deletion.

Every change is audited in its transaction, and once it commits this process forgets its
cached calendar and `core.signals.calendar_changed` goes out with the years concerned.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.calendar import forget_cached_calendar
from gridcare.core.calendar_files import ParsedCalendar, calendar_file_parse
from gridcare.core.models import CalendarDay, CalendarYear, User
from gridcare.core.signals import calendar_changed

logger = logging.getLogger(__name__)


def _announce_on_commit(years: list[int]) -> None:
    """After commit: drop our cached calendar, then tell the receivers (a failing receiver
    is logged, not raised: the change itself has committed)."""

    def announce() -> None:
        forget_cached_calendar()
        for receiver, result in calendar_changed.send_robust(sender=CalendarYear, years=years):
            if isinstance(result, Exception):
                logger.error("calendar_changed receiver %r failed: %s", receiver, result)

    transaction.on_commit(announce)


def _store(*, actor: User | None, parsed: ParsedCalendar) -> tuple[CalendarYear, bool]:
    row, created = CalendarYear.objects.get_or_create(
        year=parsed.year, defaults={"source": parsed.source}
    )
    row.source, row.note = parsed.source, parsed.note
    row.imported_at, row.imported_by = timezone.now(), actor
    row.full_clean()
    row.save()
    row.days.all().delete()
    days = [CalendarDay(calendar=row, date=d.date, kind=d.kind, name=d.name) for d in parsed.days]
    for day in days:
        # The parser checked the same rules; the model's are the last word. Its year was
        # checked above, and a date is unique because it lies in this (emptied) year.
        day.full_clean(exclude=["calendar"], validate_unique=False)
    CalendarDay.objects.bulk_create(days)
    return row, not created


@transaction.atomic
def calendar_year_import(*, actor: User | None, text: str, filename: str = "") -> CalendarYear:
    """Store the year calendar a file describes (docs/data-formats.md), all or nothing.

    A file with any problem raises `CalendarFileInvalid` listing each with its line, and
    nothing is stored. Importing a year again replaces its days entirely.
    """
    parsed = calendar_file_parse(text)
    row, replaced = _store(actor=actor, parsed=parsed)
    audit_record(
        actor=actor,
        action="core.calendar.import",
        obj=row,
        data={"year": row.year, "days": len(parsed.days), "replaced": replaced, "file": filename},
    )
    _announce_on_commit([row.year])
    return row


@transaction.atomic
def calendar_year_edited(*, actor: User | None, calendar: CalendarYear) -> None:
    """Record an edit made in the admin (after the year and its days were saved)."""
    calendar.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="core.calendar.edit",
        obj=calendar,
        data={"year": calendar.year, "days": calendar.days.count()},
    )
    _announce_on_commit([calendar.year])


@transaction.atomic
def calendar_year_delete(*, actor: User | None, calendar: CalendarYear) -> None:
    """Delete a year calendar: the year falls back to chinese_calendar or provisional."""
    year = calendar.year
    audit_record(actor=actor, action="core.calendar.delete", obj=calendar, data={"year": year})
    calendar.delete()
    _announce_on_commit([year])
