"""Notes on an order: an internal note for the next handler, or a message the customer
reads on their progress timeline. A note changes no state and no version, so it never makes
a colleague's concurrent action fail."""

from __future__ import annotations

from django.db import transaction

from gridcare.core.errors import DomainError, PermissionDeniedError
from gridcare.core.models import User
from gridcare.service.choices import EventKind
from gridcare.service.models import DESCRIPTION_MAX, WorkOrderEvent
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services import hooks
from gridcare.service.services.access import WORK


@transaction.atomic
def order_note_add(*, actor: User, number: str, note: str, public: bool) -> WorkOrderEvent:
    """Add a note to order `number` (404 outside the actor's scope). Staff who work orders
    may write notes; customers and read-only roles may not (403). `public` notes are shown
    to the customer."""
    order = order_get_for_user(user=actor, number=number)
    if actor.is_customer or not actor.has_perm(WORK):
        raise PermissionDeniedError("service.order.forbidden_action", "您没有权限执行该操作")
    text = note.strip()
    if not text:
        raise DomainError("service.order.note_required", "请填写备注内容", field="note")
    if len(text) > DESCRIPTION_MAX:
        raise DomainError(
            "service.order.note_too_long", f"备注不能超过 {DESCRIPTION_MAX} 字", field="note"
        )
    event = WorkOrderEvent.objects.create(
        order=order, kind=EventKind.NOTE, actor=actor, note=text, public=public
    )
    hooks.after_event(order=order, event=event)
    return event
