"""Template filters of the billing pages: money as ¥1,234.56, prices and kWh as written on a
bill, line labels in the reader's language, and the bill status badge."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import pgettext

from gridcare.billing import labels
from gridcare.billing.choices import BillStatus, PaymentStatus

register = template.Library()

_BILL_COLORS = {
    BillStatus.ISSUED: "warning",
    BillStatus.PARTIALLY_PAID: "info",
    BillStatus.PAID: "success",
    BillStatus.CANCELLED: "secondary",
}
_PAYMENT_COLORS = {
    PaymentStatus.CREATED: "warning",
    PaymentStatus.PAID: "success",
    PaymentStatus.CLOSED: "secondary",
    PaymentStatus.REFUNDED: "secondary",
    PaymentStatus.PARTIALLY_REFUNDED: "info",
}


@register.filter
def yuan(value: Decimal | None) -> str:
    return "" if value is None else labels.format_yuan(value)


@register.filter
def price(value: Decimal | None) -> str:
    return "" if value is None else labels.format_price(value)


@register.filter
def kwh(value: Decimal | None) -> str:
    return "" if value is None else labels.format_kwh(value)


@register.filter
def unit(value: str) -> str:
    return labels.unit_label(value)


@register.filter
def line_label(line: Any) -> str:
    return labels.line_label(line.item, getattr(line, "label", "") or getattr(line, "name", ""))


@register.simple_tag
def bill_badge(row: Any) -> SafeString:
    """The status of a bill row, "Overdue" (red) when an open bill is past its due date."""
    bill = row.bill
    if row.overdue:
        return format_html(
            '<span class="badge text-bg-danger" data-testid="bill-status">{}</span>',
            pgettext("bill", "Overdue"),
        )
    color = _BILL_COLORS.get(bill.status, "secondary")
    return format_html(
        '<span class="badge text-bg-{}" data-testid="bill-status">{}</span>',
        color,
        bill.get_status_display(),
    )


@register.simple_tag
def payment_badge(payment: Any) -> SafeString:
    color = _PAYMENT_COLORS.get(payment.status, "secondary")
    # "Paid" is also a bill's status (paid in full); a payment that arrived is just paid.
    label = (
        pgettext("payment status", "Paid")
        if payment.status == PaymentStatus.PAID
        else payment.get_status_display()
    )
    return format_html(
        '<span class="badge text-bg-{}" data-testid="payment-status">{}</span>', color, label
    )


@register.filter
def signed_percent(value: Decimal | None) -> str:
    """+12% / -5% / 0%."""
    if value is None:
        return ""
    return f"+{value}%" if value > 0 else f"{value}%"
