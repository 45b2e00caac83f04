"""Chart series of the bill page: this month's kWh beside last month's and the same month
last year, in the shape `static/gridcare/charts.js` draws as "monthly" bars."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gridcare.billing.selectors.bills import Comparison


def comparison_chart(comparison: Comparison) -> dict[str, Any]:
    """Three bars named by how they relate (short enough for a phone's axis; the table
    beside the chart gives the months)."""
    figures = [comparison.last_year, comparison.last_month, comparison.this_month]
    names = [_("Same month last year"), _("Last month"), _("This month")]
    return {
        "months": [str(name) for name in names],
        "series": [
            {
                "label": _("Energy (kWh)"),
                "values": [float(f.kwh) if f.kwh is not None else None for f in figures],
            }
        ],
    }
