"""Display helpers of the console's order screens: action names, SLA time left, category
names in the reader's language. Presentation only; what is allowed comes from selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

register = template.Library()

#: The button label of each lifecycle action (service.lifecycle.ACTIONS).
ACTION_LABELS = {
    "dispatch": gettext_lazy("Dispatch"),
    "reassign": gettext_lazy("Reassign"),
    "take": gettext_lazy("Take"),
    "send_back": gettext_lazy("Send back"),
    "arrive": gettext_lazy("Arrived on site"),
    "resolve": gettext_lazy("Resolve"),
    "start_visit": gettext_lazy("Start return visit"),
    "archive": gettext_lazy("Archive"),
    "reopen": gettext_lazy("Reopen"),
    "cancel": gettext_lazy("Cancel order"),
    "merge": gettext_lazy("Merge"),
    "pause": gettext_lazy("Wait for the customer"),
    "resume": gettext_lazy("Customer replied"),
}

#: Badge colour per SLA status state (sla_selectors: running/paused/warning/overdue/met).
SLA_BADGES = {
    "running": "text-bg-success",
    "paused": "text-bg-secondary",
    "warning": "text-bg-warning",
    "overdue": "text-bg-danger",
    "met": "text-bg-light border",
    "breached": "text-bg-danger",
    "ended": "text-bg-light border",
}
PRIORITY_BADGES = {
    "normal": "text-bg-light border",
    "high": "text-bg-warning",
    "urgent": "text-bg-danger",
}


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@register.filter
def sla_badge(state: str) -> str:
    return SLA_BADGES.get(state, "text-bg-light border")


@register.filter
def priority_badge(priority: str) -> str:
    return PRIORITY_BADGES.get(priority, "text-bg-light border")


@register.filter
def duration_short(value: dt.timedelta | None) -> str:
    """A time span as the SLA cell shows it: 2天3小时, 5小时12分, 8分 (absolute value)."""
    if value is None:
        return "—"
    minutes = abs(int(value.total_seconds())) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)sh %(m)smin") % {"h": hours, "m": mins}
    return _("%(m)smin") % {"m": mins}


@register.filter
def category_name(category: Any) -> str:
    """A 95598 category in the reader's language (Category keeps both names)."""
    if category is None:
        return ""
    english = (get_language() or "").startswith("en")
    return str(category.name_en if english else category.name_zh)
