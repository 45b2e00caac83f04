"""/api/v1/calendar: a year's holidays and 调休 working days, as JSON or iCalendar.

Any logged-in user (staff, customer) or token with the `read` scope may read: public
holidays are public information, and a customer's portal may show them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from gridcare.core.api_support import AUTH
from gridcare.core.calendar import calendar_year
from gridcare.core.calendar_ical import year_to_ical
from gridcare.core.calendar_schemas import CalendarDayOut, CalendarYearOut, YearPath
from gridcare.core.schemas import ERRORS
from gridcare.core.workdays import DayKind

router = Router(tags=["calendar"])
ICS_RESPONSE = {
    "responses": {
        200: {
            "description": "The year as iCalendar (RFC 5545): all-day events",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}


# Registered before "/{year}": Django tries the routes in order, and "2025.ics" would
# otherwise reach the JSON route as a year that is not a number.
@router.get("/{year}.ics", auth=AUTH, response=ERRORS, openapi_extra=ICS_RESPONSE)
def calendar_ics(request: HttpRequest, year: YearPath) -> HttpResponse:
    """The year's holidays (放假) and make-up working days (调休上班) as all-day events."""
    response = HttpResponse(
        year_to_ical(calendar_year(year), now=timezone.now()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="gridcare-{year}.ics"'
    return response


@router.get("/{year}", auth=AUTH, response={200: CalendarYearOut, **ERRORS})
def calendar_detail(request: HttpRequest, year: YearPath) -> CalendarYearOut:
    """Every exception to "weekdays work, weekends rest" in `year`, and where it comes from."""
    found = calendar_year(year)
    days = [CalendarDayOut(date=d, kind=DayKind.HOLIDAY, name=n) for d, n in found.holidays.items()]
    days += [
        CalendarDayOut(date=d, kind=DayKind.MAKEUP_WORKDAY, name=n)
        for d, n in found.makeup_workdays.items()
    ]
    return CalendarYearOut(
        year=year,
        source=found.source,
        provisional=found.provisional,
        reference=found.reference,
        days=sorted(days, key=lambda day: day.date),
    )
