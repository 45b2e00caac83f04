"""Progress notices (进度通知): the customer hears of each public step of their order.

Rules:

1. Steps that send a notice: accepted (created), dispatched, crew arrived, resolved, and
   reopened (after a low rating). Internal events (`public=False`) never do.
2. One message per (order, event), idempotency key `order:<number>:<event id>`, so a retry
   of the same event sends nothing twice.
3. The parent of merged orders speaks for them: each merged child's customer gets the
   parent's notices too, keyed by the child's number.
4. Through notify's `notification_enqueue` (purpose `service`, the customer's preferred
   channel: notify decides) inside the caller's transaction: notify writes the row and its
   delivery task in that same transaction, so a rolled-back step sends nothing.
5. Orders without a customer (a 台区 report from the field) send nothing.

The wording is data: one notify template per step (`service.progress.<kind>`, seeded by
migration service 0002, edited by publishing a new version in the console).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation

from gridcare.notify.services import notification_enqueue
from gridcare.service.choices import EventKind, OrderState
from gridcare.service.models import WorkOrder, WorkOrderEvent

#: Event kinds that send a notice, each with its template.
NOTICE_TEMPLATES: dict[str, str] = {
    EventKind.CREATED: "service.progress.created",
    EventKind.DISPATCH: "service.progress.dispatch",
    EventKind.ARRIVE: "service.progress.arrive",
    EventKind.RESOLVE: "service.progress.resolve",
    EventKind.REOPEN: "service.progress.reopen",
}


def order_link(number: str) -> str:
    """The absolute portal address of an order's progress page (for messages)."""
    return f"{settings.SERVICE_PORTAL_ORIGIN}/portal/orders/{number}/"


def progress_notify(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Tell the customer (and the customers of merged child orders) what just happened."""
    template = NOTICE_TEMPLATES.get(event.kind)
    if template is None or not event.public:
        return
    recipients = [order, *_merged_children(order)]
    for recipient in recipients:
        if recipient.customer_id is None:
            continue
        notification_enqueue(
            actor=None,
            customer_id=recipient.customer_id,
            account_id=recipient.account_id,
            template_code=template,
            context=_context(order, recipient, event),
            idempotency_key=f"order:{recipient.number}:{event.pk}",
            purpose="service",
        )


def _merged_children(order: WorkOrder) -> list[WorkOrder]:
    return list(order.children.filter(state=OrderState.MERGED).exclude(customer=None))


def _context(order: WorkOrder, recipient: WorkOrder, event: WorkOrderEvent) -> dict[str, Any]:
    """Every variable a progress template may use; the recipient's own number and link."""
    with translation.override("zh-hans"):  # messages are written in Chinese
        type_name = str(order.get_order_type_display())
    return {
        "number": recipient.number,
        "type": type_name,
        "title": order.title,
        "team": order.team.name if order.team is not None else "抢修班组",
        "note": event.note or "请留意后续通知",
        "link": order_link(recipient.number),
    }
