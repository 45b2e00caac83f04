"""`{% calendar_missing_year as year %}`: the year whose calendar an administrator should
enter (core.calendar.calendar_next_year_missing), for users who may see calendars."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from gridcare.core.calendar import calendar_next_year_missing
from gridcare.core.roles import VIEW_CALENDAR

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_missing_year(context: dict[str, Any]) -> int | None:
    user = context.get("user")
    # Permissions are cached on the user, so other staff pay no query for the banner.
    if user is None or not user.is_authenticated or not user.has_perm(VIEW_CALENDAR):
        return None
    return calendar_next_year_missing(timezone.localdate())
