"""Helpers of the SLA tests: orders whose events happen at chosen moments.

The lifecycle stamps events with the wall clock; to test weekends and holidays the helpers
write the same events (an order's `created`, `pause` …) at a chosen `at` and hand them to
`clocks_apply`, exactly as `hooks.after_event` does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from gridcare.grid.models import Transformer
from gridcare.service.models import SlaClock, WorkOrder, WorkOrderEvent
from gridcare.service.services import OrderDraft, order_create
from gridcare.service.services.sla import clocks_apply
from gridcare.testing.personas import ACCOUNT_A, World

BJ = ZoneInfo("Asia/Shanghai")


def bj(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BJ)  # type: ignore[misc]


def new_order(
    world: World,
    order_type: str,
    at: dt.datetime,
    *,
    area_class: str = "urban",
    account: str = ACCOUNT_A,
    data: dict[str, Any] | None = None,
) -> WorkOrder:
    """An order accepted at `at` (its clocks started then)."""
    Transformer.objects.filter(pk=world.transformer_1.pk).update(area_class=area_class)
    Transformer.objects.filter(pk=world.transformer_2.pk).update(area_class=area_class)
    order = order_create(
        actor=world.users["agent_s1" if account == ACCOUNT_A else "agent_s2"],
        draft=OrderDraft(
            order_type=order_type,
            origin="web",
            title="测试工单",
            account_number=account,
            data=data or {},
        ),
    )
    SlaClock.objects.filter(order=order).delete()
    act(order, "created", at)
    return order


def act(order: WorkOrder, kind: str, at: dt.datetime, data: dict[str, Any] | None = None) -> None:
    """`kind` happened to `order` at `at` (for the clocks; the order's state is not moved)."""
    if kind == "pause":
        WorkOrder.objects.filter(pk=order.pk).update(waiting_since=at)
    elif kind in {"resume", "resolve", "cancel", "merge", "archive"}:
        WorkOrder.objects.filter(pk=order.pk).update(waiting_since=None)
    order.refresh_from_db()
    with transaction.atomic():  # as in order_act: the event and its clocks commit together
        event = WorkOrderEvent.objects.create(order=order, kind=kind, at=at, data=data or {})
        clocks_apply(order=order, event=event)


def clock(order: WorkOrder, kind: str) -> SlaClock:
    return SlaClock.objects.select_related("rule__policy").get(order=order, clock=kind)
