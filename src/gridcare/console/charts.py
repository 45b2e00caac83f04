"""Chart series for console pages: metering's plain numbers with labels in the reader's
language, in the shapes `static/gridcare/charts.js` draws."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from gridcare.metering.usage import LoadCurve

BEIJING = dt.timezone(dt.timedelta(hours=8))


def load_curve_chart(curve: LoadCurve) -> dict[str, Any]:
    """The day's load in kW at Beijing times, with the 80 % and 100 % lines."""
    return {
        "times": [t.astimezone(BEIJING).strftime("%H:%M") for t in curve.times],
        "kw": [round(kw, 2) for kw in curve.kw],
        "label": _("Load (kW)"),
        "heavy_label": _("Heavy load (80 %)"),
        "over_label": _("Overload (100 %)"),
        "heavy_kw": round(curve.heavy_kw, 1),
        "over_kw": round(curve.over_kw, 1),
    }
