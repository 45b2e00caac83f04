"""Display helpers of the console's billing screens: money as ¥1,234.56, the amount in
Chinese capital numerals for a receipt (大写金额), status badges and sortable column
headers. Presentation only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString

from gridcare.billing.selectors.accounts import days_between

register = template.Library()

PAYMENT_BADGES = {
    "created": "text-bg-warning",
    "paid": "text-bg-success",
    "closed": "text-bg-secondary",
    "refunded": "text-bg-info",
    "partially_refunded": "text-bg-info",
}
SUPPLY_BADGES = {
    "connected": "text-bg-light border",
    "disconnection_requested": "text-bg-warning",
    "disconnected": "text-bg-danger",
    "reconnection_requested": "text-bg-info",
}


@register.filter
def yuan(value: Any) -> str:
    """Decimal("-1234.5") → "-¥1,234.50"; empty for None."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def signed_class(value: Any) -> str:
    """Credit green, debit red (a ledger amount's colour)."""
    if value is None:
        return ""
    return "text-success" if Decimal(value) > 0 else "text-danger" if Decimal(value) < 0 else ""


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿")


def _four_digits(number: int) -> str:
    """0…9999 in capitals with the zeros a cheque writes (1005 → 壹仟零伍)."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = number // 10**position % 10
        if digit == 0:
            zero = bool(text)
        else:
            text += ("零" if zero else "") + _DIGITS[digit] + _SMALL_UNITS[position]
            zero = False
    return text


@register.filter
def yuan_in_words(value: Any) -> str:
    """The amount in Chinese capital numerals, as receipts write it:
    Decimal("1005.30") → "壹仟零伍元叁角整", Decimal("0.05") → "伍分"."""
    amount = Decimal(value).quantize(Decimal("0.01"))
    fen_total = int(abs(amount) * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    groups, text = [], ""
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group:
            if text and group < 1000:
                text += "零"
            text += _four_digits(group) + _BIG_UNITS[index]
    if text:
        text += "元"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif fen and text:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    if not fen:
        text = (text or "零元") + "整"
    return ("负" if amount < 0 else "") + text


@register.simple_tag
def payment_badge(status: str, label: str) -> SafeString:
    return format_html(
        '<span class="badge {}">{}</span>', PAYMENT_BADGES.get(status, "text-bg-light"), label
    )


@register.simple_tag
def supply_badge(state: str, label: str) -> SafeString:
    return format_html(
        '<span class="badge {}">{}</span>', SUPPLY_BADGES.get(state, "text-bg-light"), label
    )


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str) -> SafeString:
    """A column header that sorts by `key` (descending first), and ascending when it is
    already sorted descending; the current order shows an arrow."""
    current = str(context.get("sort", ""))
    target = key if current == f"-{key}" else f"-{key}"
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in context.get("filters_query", {}).items() if v})
    query["sort"] = target
    icon = (
        "bi-sort-down"
        if current == f"-{key}"
        else "bi-sort-up"
        if current == key
        else "bi-arrow-down-up opacity-50"
    )
    return format_html(
        '<a class="link-body-emphasis text-decoration-none" href="?{}" data-sort="{}">'
        '{} <i class="bi {}"></i></a>',
        query.urlencode(),
        key,
        label,
        icon,
    )


@register.filter
def days_since(start: dt.date | dt.datetime | None, today: dt.date) -> int | None:
    """Whole days from a due date (or the Beijing day of a moment) to `today`."""
    return days_between(start, today)
