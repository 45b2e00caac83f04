"""Bill lines in words: item codes as the reader's labels, money and prices as people write
them, and a plain-language explanation of tiered (阶梯) and time-of-use (分时) lines.

Shared by the portal pages and the bill PDF, so both say the same thing. The engine's item
codes (`energy.tier1`, `energy.peak`, `ladder.tier2`, `basic.demand`, `fund.*`) are stable;
their labels are translated here, except funds, whose names come with the tariff data and
are stored on the line.

The explanation is derived from the lines themselves: tier lines come in order, so each
tier's range in this month's usage is the running sum of the quantities before it. That is
exact for this month's usage whatever the thresholds were (pro-rated for part of a month,
raised for a large household, offset by an annual ladder's year to date).

>>> format_yuan(Decimal("1234.5"))
'¥1,234.50'
>>> format_yuan(Decimal("-3"))
'-¥3.00'
>>> format_price(Decimal("0.58886875")), format_price(Decimal("0.59000000")), format_price(Decimal("25.5"))
('0.58886875', '0.59', '25.50')
>>> format_kwh(Decimal("1450.500")), format_kwh(Decimal("200.000"))
('1,450.5', '200')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from gridcare.metering.engine.tou import TouCalendar

ZERO = Decimal("0")

_ITEM_LABELS = {
    "energy.all": gettext_lazy("Energy charge"),
    "energy.sharp": gettext_lazy("Critical-peak energy"),
    "energy.peak": gettext_lazy("Peak energy"),
    "energy.flat": gettext_lazy("Flat energy"),
    "energy.valley": gettext_lazy("Valley energy"),
    "basic.capacity": gettext_lazy("Basic charge (by transformer capacity)"),
    "basic.demand": gettext_lazy("Basic charge (by maximum demand)"),
    "basic.contract_demand": gettext_lazy("Basic charge (by contracted demand)"),
    "basic.excess_demand": gettext_lazy("Basic charge (demand above the contract)"),
}
_TIER_NAMES = {
    1: pgettext_lazy("ladder tier", "tier 1"),
    2: pgettext_lazy("ladder tier", "tier 2"),
    3: pgettext_lazy("ladder tier", "tier 3"),
}
_BUCKET_NAMES = {
    "sharp": pgettext_lazy("time-of-use period", "Critical peak"),
    "peak": pgettext_lazy("time-of-use period", "Peak"),
    "flat": pgettext_lazy("time-of-use period", "Flat"),
    "valley": pgettext_lazy("time-of-use period", "Valley"),
}
_UNITS = {
    "kWh": pgettext_lazy("bill unit", "kWh"),
    "kVA·month": pgettext_lazy("bill unit", "kVA·month"),
    "kW·month": pgettext_lazy("bill unit", "kW·month"),
}
#: The order TOU buckets are explained in (the engine's bill order).
BUCKET_ORDER = ("sharp", "peak", "flat", "valley")


class LineLike(Protocol):
    """What a bill line or an engine line has in common."""

    @property
    def item(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...


# ------------------------------------------------------------------ formatting


def format_yuan(amount: Decimal) -> str:
    """¥1,234.56 (a minus sign before the ¥)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def format_price(price: Decimal) -> str:
    """A unit price as published: every significant decimal, at least two."""
    text = f"{price.normalize():f}"
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def format_kwh(quantity: Decimal) -> str:
    """Energy without trailing zeros, thousands separated (1,450.5)."""
    text = f"{quantity.normalize():,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def tier_number(item: str) -> int | None:
    """3 for energy.tier3 / ladder.tier3, else None."""
    _kind, _dot, rest = item.partition(".")
    if rest.startswith("tier") and rest[4:].isdigit():
        return int(rest[4:])
    return None


def tier_name(number: int) -> str:
    name = _TIER_NAMES.get(number)
    return str(name) if name else pgettext("ladder tier", "tier %(n)s") % {"n": number}


def bucket_name(bucket: str) -> str:
    name = _BUCKET_NAMES.get(bucket)
    return str(name) if name else bucket


def unit_label(unit: str) -> str:
    label = _UNITS.get(unit)
    return str(label) if label else unit


def line_label(item: str, stored: str = "") -> str:
    """The label of a bill line: funds by the name stored with them, the rest by code."""
    if item.startswith("fund."):
        return stored or item
    if item in _ITEM_LABELS:
        return str(_ITEM_LABELS[item])
    number = tier_number(item)
    if number is not None and item.startswith("energy."):
        return capfirst(_("%(tier)s energy") % {"tier": tier_name(number)})
    if number is not None and item.startswith("ladder."):
        return capfirst(_("%(tier)s ladder surcharge") % {"tier": tier_name(number)})
    return stored or item


# ------------------------------------------------------------------ time-of-use windows


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def tou_windows(
    calendar: TouCalendar, *, month: dt.date, fold: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """The clock ranges of each bucket on an ordinary day of `month` ("10:00–12:00"), with
    folded buckets shown as the bucket they are priced as (residential: sharp → peak).

    >>> from gridcare.metering.engine.tou import GUANGDONG_TOU
    >>> tou_windows(GUANGDONG_TOU, month=dt.date(2026, 1, 1))["peak"]
    ['10:00–12:00', '14:00–19:00']
    >>> tou_windows(GUANGDONG_TOU, month=dt.date(2026, 8, 1))["sharp"]
    ['11:00–12:00', '15:00–17:00']
    >>> tou_windows(GUANGDONG_TOU, month=dt.date(2026, 8, 1), fold={"sharp": "peak"})["peak"]
    ['10:00–12:00', '14:00–19:00']
    """
    fold = fold or {}
    # The month's first day, unless it is one of an overlay's extra dates (hot days).
    day = month.replace(day=1)
    runs: dict[str, list[list[int]]] = {}
    step = 15
    for start in range(0, 24 * 60, step):
        raw = calendar.bucket_at(start, day)
        bucket = fold.get(raw, raw)
        spans = runs.setdefault(bucket, [])
        if spans and spans[-1][1] == start:
            spans[-1][1] = start + step
        else:
            spans.append([start, start + step])
    return {
        bucket: [f"{_clock(a)}–{_clock(b)}" for a, b in spans]
        for bucket, spans in sorted(runs.items(), key=lambda kv: _bucket_rank(kv[0]))
    }


def _bucket_rank(bucket: str) -> int:
    return BUCKET_ORDER.index(bucket) if bucket in BUCKET_ORDER else len(BUCKET_ORDER)


# ------------------------------------------------------------------ explanations


@dataclass(frozen=True)
class Explanation:
    """One paragraph: a heading ("阶梯电价") and its sentence."""

    title: str
    text: str


def _join(parts: Iterable[str]) -> str:
    return pgettext("list separator", ", ").join(parts)


def _sentence(text: str) -> str:
    return text + pgettext("sentence end", ".")


def _tier_parts(lines: Sequence[LineLike], start: Decimal, *, surcharge: bool) -> list[str]:
    """One clause per tier line, the range being the running sum of quantities."""
    parts = []
    low = start
    for index, line in enumerate(lines):
        values = {
            "tier": tier_name(tier_number(line.item) or 0),
            "price": format_price(line.unit_price),
            "qty": format_kwh(line.quantity),
            "from": format_kwh(low),
            "to": format_kwh(low + line.quantity),
        }
        last = index == len(lines) - 1
        if surcharge and last and low > 0:
            text = _("the %(qty)s kWh above %(from)s kWh pay %(price)s yuan/kWh more (%(tier)s)")
        elif surcharge:
            text = _(
                "the %(qty)s kWh from %(from)s to %(to)s kWh pay %(price)s yuan/kWh more (%(tier)s)"
            )
        elif len(lines) == 1 and low == 0:
            text = _("all of it at the %(tier)s price of %(price)s yuan/kWh")
        elif low == 0:
            text = _("the first %(to)s kWh at the %(tier)s price of %(price)s yuan/kWh")
        elif last:
            text = _(
                "the %(qty)s kWh above %(from)s kWh at the %(tier)s price of %(price)s yuan/kWh"
            )
        else:
            text = _(
                "the %(qty)s kWh from %(from)s to %(to)s kWh at the %(tier)s price of "
                "%(price)s yuan/kWh"
            )
        parts.append(text % values)
        low += line.quantity
    return parts


def _in_tier_order(lines: Sequence[LineLike]) -> bool:
    numbers = [tier_number(line.item) or 0 for line in lines]
    return numbers == sorted(set(numbers))


def _tiers(lines: Sequence[LineLike], total_kwh: Decimal) -> Explanation | None:
    tiers = [line for line in lines if line.item.startswith("energy.tier")]
    if not tiers or not _in_tier_order(tiers):
        return None
    head = _("This month you used %(kwh)s kWh: ") % {"kwh": format_kwh(total_kwh)}
    text = _sentence(head + _join(_tier_parts(tiers, ZERO, surcharge=False)))
    return Explanation(str(_("Tiered pricing")), text)


def _surcharges(lines: Sequence[LineLike], total_kwh: Decimal) -> Explanation | None:
    extra = [line for line in lines if line.item.startswith("ladder.tier")]
    if not extra or not _in_tier_order(extra):
        return None
    # Tier 1 adds nothing and has no line: the surcharged kWh are the top of the month.
    start = max(ZERO, total_kwh - sum((line.quantity for line in extra), ZERO))
    head = _("This month you used %(kwh)s kWh: ") % {"kwh": format_kwh(total_kwh)}
    text = _sentence(head + _join(_tier_parts(extra, start, surcharge=True)))
    return Explanation(str(_("Ladder surcharge")), text)


def _time_of_use(
    lines: Sequence[LineLike], windows: Mapping[str, Sequence[str]]
) -> Explanation | None:
    parts = []
    for line in lines:
        kind, _dot, bucket = line.item.partition(".")
        if kind != "energy" or bucket not in _BUCKET_NAMES:
            continue
        hours = pgettext("clock ranges", ", ").join(windows.get(bucket, ()))
        values = {
            "period": bucket_name(bucket),
            "hours": hours,
            "qty": format_kwh(line.quantity),
            "price": format_price(line.unit_price),
        }
        if hours:
            text = _("%(period)s hours %(hours)s: %(qty)s kWh at %(price)s yuan/kWh")
        else:
            text = _("%(period)s: %(qty)s kWh at %(price)s yuan/kWh")
        parts.append(text % values)
    if not parts:
        return None
    text = _sentence(pgettext("clauses", "; ").join(parts))
    return Explanation(str(_("Time-of-use pricing")), text)


def explain(
    *,
    lines: Sequence[LineLike],
    total_kwh: Decimal,
    windows: Mapping[str, Sequence[str]] | None = None,
) -> list[Explanation]:
    """Plain-language paragraphs for the tier and time-of-use lines (none for a bill with
    a single price).

    >>> from types import SimpleNamespace as L
    >>> lines = [L(item="energy.tier1", quantity=Decimal(200), unit_price=Decimal("0.5889")),
    ...          L(item="energy.tier2", quantity=Decimal(200), unit_price=Decimal("0.6389")),
    ...          L(item="energy.tier3", quantity=Decimal(50), unit_price=Decimal("0.8889"))]
    >>> from django.utils import translation
    >>> with translation.override("zh-hans"):
    ...     print(explain(lines=lines, total_kwh=Decimal(450))[0].text)
    本月用电 450 度：前 200 度按第一档 0.5889 元/度，200–400 度之间的 200 度按第二档 0.6389 元/度，超过 400 度的 50 度按第三档 0.8889 元/度。
    """
    found = [
        _tiers(lines, total_kwh),
        _time_of_use(lines, windows or {}),
        _surcharges(lines, total_kwh),
    ]
    return [paragraph for paragraph in found if paragraph is not None]
