"""`{% own_outages_now as rows %}`: the login's accounts that are off in a known outage now,
for pages outside the outage screens (报修: "we already know, no need to report")."""

from __future__ import annotations

from django import template

from gridcare.core.models import User
from gridcare.customers.selectors import accounts_of_login
from gridcare.outages.selectors.live import OutageBanner, outages_active_for_accounts

register = template.Library()


@register.simple_tag(takes_context=True)
def own_outages_now(context: template.Context) -> list[tuple[str, OutageBanner]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated or not user.is_customer:
        return []
    numbers = dict(accounts_of_login(user=user).values_list("pk", "number"))
    found = outages_active_for_accounts(account_ids=list(numbers))
    return [(numbers[account_id], banner) for account_id, banner in found.items()]
