"""Return visits (回访), part 1: starting one when an order is resolved.

1. When an order with a customer is resolved, a `ReturnVisit` is opened: a random token
   goes into the message's link (`/portal/visit/<token>/`) and only its SHA-256 is stored;
   the visit is due `SERVICE_VISIT_DUE_HOURS` later.
2. The order moves `resolved → return_visit` as the system (no acting user).
3. The customer gets the `service.visit` message on their preferred channel; its SMS
   wording asks for a reply of 1–5 (contact turns such a reply into a rating).

Rating and expiry are in `visit_rating.py`. This module is called from `hooks` and so
must not import `lifecycle` (which imports `hooks`): it moves the order through
`transitions.transition_record`, the same step `order_act` uses, and returns the event for
`hooks` to run its follow-ups.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from gridcare.notify.services import notification_enqueue
from gridcare.service.choices import EventKind, OrderState
from gridcare.service.models import ReturnVisit, WorkOrder, WorkOrderEvent
from gridcare.service.services.transitions import transition_record

VISIT_TEMPLATE = "service.visit"


def token_digest(token: str) -> str:
    """What is stored of a visit link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def visit_link(token: str) -> str:
    return f"{settings.SERVICE_PORTAL_ORIGIN}/portal/visit/{token}/"


def visit_start(*, order: WorkOrder) -> WorkOrderEvent | None:
    """Open the return visit of a just-resolved order and move it to `return_visit`;
    returns the `start_visit` event (None for an order without a customer: nobody to ask,
    it stays resolved for staff to archive). Runs inside the resolving transaction."""
    if order.customer_id is None or order.state != OrderState.RESOLVED:
        return None
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    visit = ReturnVisit.objects.create(
        order=order,
        channel="",
        token_digest=token_digest(token),
        sent_at=now,
        due_at=now + timedelta(hours=settings.SERVICE_VISIT_DUE_HOURS),
    )
    event = _start_visit_transition(order, visit)
    message = notification_enqueue(
        actor=None,
        customer_id=order.customer_id,
        account_id=order.account_id,
        template_code=VISIT_TEMPLATE,
        context={"number": order.number, "link": visit_link(token)},
        idempotency_key=f"order:{order.number}:visit:{visit.pk}",
        purpose="service",
    )
    ReturnVisit.objects.filter(pk=visit.pk).update(channel=message.channel)
    return event


def _start_visit_transition(order: WorkOrder, visit: ReturnVisit) -> WorkOrderEvent:
    """resolved → return_visit, as the system, with the visit named in the event."""
    return transition_record(
        order=order,
        action=EventKind.START_VISIT,
        actor=None,
        data={"visit": visit.pk, "due_at": visit.due_at.isoformat()},
    )
