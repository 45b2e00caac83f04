"""The demo's work orders (issue 24 §10): service areas and handlers, a year of archived
history ending on the demo's last day, and today's open orders in every state.

`orders_draft` draws the year (no database), `orders_history` bulk-inserts it,
`orders_live` creates the open orders through the real services at the moments they
happened, and `orders_world` holds what both stand on.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gridcare.core.models import User
from gridcare.customers.models import AccountBinding
from gridcare.demo.orders_history import OrdersResult, history_orders_create
from gridcare.demo.orders_live import live_orders_create
from gridcare.demo.orders_world import handlers_create, premises_load, service_areas_create
from gridcare.demo.plan import DEMO_CUSTOMER_MOBILE, DemoPlan
from gridcare.demo.topology import OrgTree


def demo_orders_create(
    *,
    tree: OrgTree,
    plan: DemoPlan,
    until: dt.date,
    end: dt.datetime,
    now: dt.datetime | None = None,
) -> OrdersResult:
    """History up to `end` (the demo's last moment, on `until`), open orders as of `now`
    (the real time by default: their clocks run against it)."""
    service_areas_create(tree)
    handlers = handlers_create(tree, seed=plan.seed)
    premises = premises_load(tree)
    customer = User.objects.filter(username=DEMO_CUSTOMER_MOBILE).first()
    bound = set(
        AccountBinding.objects.filter(user=customer, revoked_at__isnull=True).values_list(
            "account_id", flat=True
        )
    ) if customer is not None else set()  # fmt: skip
    featured = next((p for p in premises if p.account_id in bound), None)
    result = history_orders_create(
        tree=tree, plan=plan, until=until, end=end, premises=premises, handlers=handlers,
        featured=featured,
    )  # fmt: skip
    result.live = live_orders_create(
        tree=tree, seed=plan.seed, now=(now or timezone.now()).replace(second=0, microsecond=0),
        premises=premises, handlers=handlers, customer=customer, customer_premise=featured,
    )  # fmt: skip
    return result
