"""Template filters: masking personal data, channel names and coloured status badges."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from gridcare.core import privacy
from gridcare.customers.choices import COLORS as ACCOUNT_COLORS
from gridcare.customers.choices import InteractionChannel
from gridcare.grid.choices import COLORS as METER_COLORS
from gridcare.metering.choices import COLORS as METERING_COLORS
from gridcare.notify.choices import COLORS as NOTIFICATION_COLORS

register = template.Library()

register.filter("mask_mobile", privacy.mask_mobile)
register.filter("mask_name", privacy.mask_name)
register.filter("mask_id_number", privacy.mask_id_number)
register.filter("mask_address_detail", privacy.mask_address_detail)

_BADGE_COLORS: dict[str, str] = {
    str(k): v
    for colors in (ACCOUNT_COLORS, METER_COLORS, METERING_COLORS, NOTIFICATION_COLORS)
    for k, v in colors.items()
}


@register.simple_tag
def status_badge(value: str, label: str) -> SafeString:
    color = _BADGE_COLORS.get(value, "secondary")
    return format_html('<span class="badge text-bg-{}">{}</span>', color, label)


@register.filter
def channel_label(value: str) -> str:
    """A channel code as people read it ("web_chat" → 网页/H5 在线客服); unknown codes as is."""
    try:
        return str(InteractionChannel(value).label)
    except ValueError:
        return value
