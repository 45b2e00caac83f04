"""Display helpers of the monitoring dashboards: a KPI value as the reader sees it.

Three cases are never confused: a KPI whose source app is not installed reads "not
available" (未接入); a ratio or mean with nothing to divide reads "—" with a "no data"
hint; only a real value is a number (a count of 0 is a real 0).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gridcare.monitoring.choices import Unit
from gridcare.monitoring.metrics import BY_CODE
from gridcare.monitoring.selectors.board_sections import CategoryShare
from gridcare.monitoring.selectors.facts import Value

register = template.Library()

#: How each unit is written after the number.
SUFFIX = {
    Unit.PERCENT: "%",
    Unit.MINUTES: " min",
    Unit.SECONDS: " s",
    Unit.YUAN: " ¥",
}
DECIMALS = {
    Unit.COUNT: 0,
    Unit.PERCENT: 1,
    Unit.MINUTES: 1,
    Unit.SECONDS: 0,
    Unit.PER_10K: 2,
    Unit.SCORE: 2,
    Unit.YUAN: 2,
}


def formatted(value: float, unit: str) -> str:
    decimals = DECIMALS.get(Unit(unit), 1) if unit in Unit.values else 1
    text = f"{value:,.{decimals}f}"
    return text + SUFFIX.get(Unit(unit), "") if unit in Unit.values else text


@register.simple_tag
def kpi_cell(value: Value | None) -> SafeString:
    """The value, "not available" or "—" (no data), as HTML."""
    if value is None or not value.available:
        return format_html(
            '<span class="badge text-bg-secondary" data-state="not-available" title="{}">{}</span>',
            _("The app this figure comes from is not installed."),
            _("Not available"),
        )
    if value.value is None:
        return format_html(
            '<span class="text-muted" data-state="no-data" title="{}">—</span>', _("No data")
        )
    entry = BY_CODE.get(value.code)
    unit = entry.unit if entry is not None else Unit.COUNT
    return format_html('<span data-state="value">{}</span>', formatted(value.value, unit))


@register.simple_tag
def kpi_change(current: Value, previous: Value) -> str:
    """The change from the previous period, in the KPI's unit ("" when not comparable)."""
    if current.value is None or previous.value is None:
        return ""
    entry = BY_CODE.get(current.code)
    unit = entry.unit if entry is not None else Unit.COUNT
    change = current.value - previous.value
    sign = "+" if change > 0 else ""
    return (
        sign
        + formatted(change, "pp" if unit == Unit.PERCENT else unit)
        + (" pp" if unit == Unit.PERCENT else "")
    )


@register.simple_tag
def kpi_label(code: str) -> str:
    entry = BY_CODE.get(code)
    return str(entry.label) if entry is not None else code


@register.filter
def localized_name(category: CategoryShare) -> str:
    """A category's name in the reader's language."""
    return category.name_en if (get_language() or "").startswith("en") else category.name_zh


@register.filter
def percent(share: float | None) -> str:
    """A share in 0…1 as a percentage with one decimal ("—" when none)."""
    return "—" if share is None else f"{100 * share:.1f}%"


@register.filter
def minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} min"
