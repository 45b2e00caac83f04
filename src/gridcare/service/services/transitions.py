"""The one way an order changes state: the table says whether the action is allowed, a
compare-and-set on (state, version) writes it, and an event row records it.

It runs no follow-ups: `lifecycle.order_act` calls the hooks afterwards; the return visit,
itself a hook, uses this module directly (importing `lifecycle` would import `hooks` back).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from gridcare.core.errors import ConcurrentChange, Conflict, DomainError
from gridcare.core.models import User
from gridcare.service import lifecycle as table
from gridcare.service.choices import REPAIR_TYPES
from gridcare.service.models import WorkOrder, WorkOrderEvent


def is_repair(order: WorkOrder) -> bool:
    return order.order_type in REPAIR_TYPES


def target_state(order: WorkOrder, action: str) -> str:
    """Where `action` takes `order` now; 409 with the allowed actions when nowhere."""
    if action not in table.ACTIONS:
        raise DomainError("service.order.unknown_action", "未知操作", field="action")
    target = table.target_state(action, state=order.state, is_repair=is_repair(order))
    if target is None:
        allowed = table.allowed_actions(state=order.state, is_repair=is_repair(order))
        raise Conflict(
            "service.order.bad_transition",
            f"工单当前状态为「{order.get_state_display()}」，不能执行该操作",
            state=order.state,
            allowed=allowed,
        )
    return target


def transition_record(
    *,
    order: WorkOrder,
    action: str,
    actor: User | None,
    changes: dict[str, Any] | None = None,
    expected_version: int | None = None,
    note: str = "",
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> WorkOrderEvent:
    """Move `order` by `action` (setting `changes` too) only if nobody changed it since it
    was read, and record the event; `order` is read again afterwards. `actor=None` is the
    system."""
    target = target_state(order, action)
    version = order.version if expected_version is None else expected_version
    updated = WorkOrder.objects.filter(pk=order.pk, state=order.state, version=version).update(
        state=target, version=F("version") + 1, updated_at=timezone.now(), **(changes or {})
    )
    if updated != 1:
        raise ConcurrentChange(
            "service.order.changed_meanwhile", "工单已被他人处理，请刷新后重试", state=order.state
        )
    event = WorkOrderEvent.objects.create(
        order=order,
        kind=action,
        from_state=order.state,
        to_state=target,
        actor=actor,
        note=note.strip(),
        public=public,
        data=data or {},
    )
    order.refresh_from_db()
    return event
