"""Which bottom tab (首页 / 用电 / 服务 / 我的) a portal page belongs to."""

from __future__ import annotations

from django import template

register = template.Library()

#: URL name → tab; pages not listed (login, register) light no tab.
TAB_OF_PAGE = {
    "home": "home",
    "usage_entry": "usage",
    "usage": "usage",
    "account": "usage",
    "services": "services",
    "chat": "services",
    "messages": "services",
    "bind": "services",
    "applications": "services",
    "application_apply": "services",
    "application": "services",
    "orders": "services",
    "order_report": "services",
    "order_complain": "services",
    "order_suggest": "services",
    "order": "services",
    "order_cancel": "services",
    "order_rate": "services",
    "billing_bills": "services",
    "billing_bill": "services",
    "billing_pay": "services",
    "billing_payment": "services",
    "billing_payment_return": "services",
    "billing_payments": "services",
    "billing_balance": "services",
    "billing_quote": "services",
    "outages": "services",
    "outage": "services",
    "my_outages": "services",
    "me": "me",
    "accounts": "me",
    "preferences": "me",
}


@register.simple_tag(takes_context=True)
def portal_tab(context: template.Context) -> str:
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or match.app_name != "portal":
        return ""
    return TAB_OF_PAGE.get(match.url_name or "", "")
