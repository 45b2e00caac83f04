"""Billing's disconnection and reconnection requests become work orders.

Billing sits below service and cannot open an order: it writes DISCONNECT_REQUESTED /
RECONNECT_REQUESTED events (an outbox). `billing_requests_handle` (periodic in `gridcare
worker`, every minute) reads the unhandled ones through billing's selector, oldest first,
and for each, in one transaction with the marking of the event:

- disconnect request → a `service_request` order in `request.disconnection`, opened by the
  system (origin `system`, source_ref `billing:<event key>`; its SLA clock is the policy's
  disconnection rule);
- reconnect request → if the account's disconnection order is still open (the customer
  paid before the crew cut the supply), that order is cancelled as the system — the supply
  never went off, billing records it connected again (billing_supply, on the cancel event)
  — and the request is marked with that order's number; otherwise a `request.reconnection`
  order, whose SLA clock is the committed reconnection limit of the policy in use (SGCC
  24 h, CSG 12 h, natural hours).

Idempotent: intake returns the first order for the same (origin, source_ref), and the
event is marked by compare-and-set, so a rerun, or two workers at once, create nothing
twice. A request that fails (an account closed meanwhile …) is logged and retried next
round; the others go on.
"""

from __future__ import annotations

import logging

from django.db import transaction

from gridcare.billing.choices import BillingEventKind
from gridcare.billing.models import BillingEvent
from gridcare.billing.services.cycle import request_mark_handled, requests_pending
from gridcare.core.errors import DomainError
from gridcare.service.choices import OPEN_STATES, OrderType, Origin
from gridcare.service.models import WorkOrder
from gridcare.service.services.billing_supply import DISCONNECTION, RECONNECTION, SOURCE_PREFIX
from gridcare.service.services.intake import OrderDraft, order_create_as_system
from gridcare.service.services.lifecycle import order_act_as_system

logger = logging.getLogger("gridcare.worker")


def billing_requests_handle(*, limit: int = 200) -> int:
    """Turn pending billing requests into orders; returns how many were handled."""
    handled = 0
    for event in requests_pending(limit=limit):
        try:
            with transaction.atomic():
                number = _handle(event)
                handled += request_mark_handled(event=event, order_number=number)
        except DomainError as exc:
            logger.warning("billing request %s not handled: %s %s", event.key, exc.code, exc)
    return handled


def billing_orders_periodic() -> None:
    """What `gridcare worker` runs every minute (core.periodic)."""
    handled = billing_requests_handle()
    if handled:
        logger.info("Billing requests: %d work orders opened or closed", handled)


def _handle(event: BillingEvent) -> str:
    if event.kind == BillingEventKind.RECONNECT_REQUESTED:
        pending = _open_disconnection(event)
        if pending is not None:
            order_act_as_system(
                number=pending.number,
                action="cancel",
                note="客户已缴清欠费，撤销停电",
                data={"billing_event": event.key},
            )
            return pending.number
    return _order(event).number


def _open_disconnection(event: BillingEvent) -> WorkOrder | None:
    return (
        WorkOrder.objects.filter(
            account_id=event.account_id,
            origin=Origin.SYSTEM,
            category__code=DISCONNECTION,
            source_ref__startswith=SOURCE_PREFIX,
            state__in=OPEN_STATES,
        )
        .order_by("-created_at")
        .first()
    )


def _order(event: BillingEvent) -> WorkOrder:
    account = event.account
    detail = event.detail or {}
    if event.kind == BillingEventKind.DISCONNECT_REQUESTED:
        category, title = DISCONNECTION, f"欠费停电：户号{account.number}"
        description = _disconnection_text(detail)
    else:
        category, title = RECONNECTION, f"缴费复电：户号{account.number}"
        description = f"客户已于{detail.get('day', '')}缴清欠费，请按承诺时限恢复供电。"
    draft = OrderDraft(
        order_type=OrderType.SERVICE_REQUEST,
        origin=Origin.SYSTEM,
        title=title,
        description=description,
        account_number=account.number,
        category_code=category,
        contact_data_required=False,
        source_ref=f"{SOURCE_PREFIX}{event.key}",
        data={"billing_event": event.key, "billing_detail": detail},
    )
    return order_create_as_system(draft=draft)


def _disconnection_text(detail: dict[str, object]) -> str:
    if detail.get("reason") == "prepaid_negative":
        return (
            f"预付费账户自{detail.get('negative_since', '')}起欠费 {detail.get('amount', '')} 元，"
            "已过宽限期，请执行停电。"
        )
    return (
        f"电费账单{detail.get('bill', '')}逾期未缴，欠费 {detail.get('amount', '')} 元，"
        f"停电通知已送达，计划停电日 {detail.get('day', '')}，请执行停电。"
    )
