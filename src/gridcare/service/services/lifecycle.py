"""Moving an order through its lifecycle: one compare-and-set per action, one event row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gridcare.core.choices import OrgUnitKind
from gridcare.core.errors import ConcurrentChange, Conflict, DomainError
from gridcare.core.models import OrgUnit, User
from gridcare.service import lifecycle as table
from gridcare.service.choices import REPAIR_TYPES
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services import hooks
from gridcare.service.services.access import check_may_act

#: Actions that hand the order to a team.
TEAM_ACTIONS = frozenset({"dispatch", "reassign"})
#: Actions that need a reason the customer or the next handler can read.
REASON_ACTIONS = frozenset({"send_back", "cancel", "reopen"})


@transaction.atomic
def order_act(
    *,
    actor: User,
    number: str,
    action: str,
    note: str = "",
    team_id: int | None = None,
    expected_version: int | None = None,
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> WorkOrder:
    """Take `action` on order `number`. Refused with 409 (and the allowed actions) when the
    order's state does not allow it, or when someone else changed the order first."""
    order = order_get_for_user(user=actor, number=number)
    check_may_act(actor, order, action)
    target = _target(order, action)
    changes = _changes(actor, order, action, team_id=team_id, note=note)
    _compare_and_set(order, target, changes, expected_version)
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
    hooks.after_event(order=order, event=event)
    return order


def is_repair(order: WorkOrder) -> bool:
    return order.order_type in REPAIR_TYPES


def _target(order: WorkOrder, action: str) -> str:
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


def _changes(
    actor: User, order: WorkOrder, action: str, *, team_id: int | None, note: str
) -> dict[str, Any]:
    """The order fields an action sets besides its state."""
    now = timezone.now()
    if action in REASON_ACTIONS and not note.strip():
        raise DomainError("service.order.reason_required", "请填写原因", field="note")
    if action in TEAM_ACTIONS:
        return {"team": _team(order, team_id), "assignee": None}
    if action == "take":
        return {"assignee": actor}
    if action == "send_back":
        return {"team": None, "assignee": None}
    if action == "pause":
        if order.waiting_since is not None:
            raise Conflict("service.order.already_waiting", "工单已在等待客户")
        return {"waiting_since": now}
    if action == "resume":
        if order.waiting_since is None:
            raise Conflict("service.order.not_waiting", "工单未在等待客户")
        return {"waiting_since": None}
    if action == "resolve":
        return {"resolved_at": now, "waiting_since": None}
    if action in {"archive", "cancel", "merge"}:
        return {"closed_at": now, "waiting_since": None}
    if action == "reopen":
        return {"resolved_at": None}
    return {}


def _team(order: WorkOrder, team_id: int | None) -> OrgUnit:
    if team_id is None:
        raise DomainError("service.order.team_required", "请选择班组", field="team_id")
    team = OrgUnit.objects.filter(pk=team_id, kind=OrgUnitKind.TEAM).first()
    in_scope = OrgUnit.objects.filter(pk=order.org_unit_id).values_list("path", flat=True).first()
    if team is None or not in_scope or not team.path.startswith(in_scope):
        raise DomainError(
            "service.order.bad_team", "班组不存在或不属于该工单的责任单位", field="team_id"
        )
    return team


def _compare_and_set(
    order: WorkOrder, target: str, changes: dict[str, Any], expected_version: int | None
) -> None:
    """Write the new state only if nobody changed the order since we read it."""
    version = order.version if expected_version is None else expected_version
    updated = WorkOrder.objects.filter(pk=order.pk, state=order.state, version=version).update(
        state=target, version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if updated != 1:
        raise ConcurrentChange(
            "service.order.changed_meanwhile", "工单已被他人处理，请刷新后重试", state=order.state
        )


#: What the system itself may do to an order (return visits: archive after a rating or
#: when nobody answered, reopen after a low rating).
SYSTEM_ACTIONS = frozenset({"archive", "reopen"})


@transaction.atomic
def order_act_as_system(
    *, number: str, action: str, note: str = "", data: dict[str, Any] | None = None
) -> WorkOrder:
    """Take `action` on order `number` as the system (event actor empty, as
    `audit_record(actor=None)` means the system): the same compare-and-set, event row and
    follow-ups as `order_act`, for the few actions in `SYSTEM_ACTIONS`."""
    if action not in SYSTEM_ACTIONS:
        raise DomainError("service.order.unknown_action", "未知操作", field="action")
    order = WorkOrder.objects.get(number=number)
    target = _target(order, action)
    changes = _changes(None, order, action, team_id=None, note=note)  # type: ignore[arg-type]
    _compare_and_set(order, target, changes, None)
    event = WorkOrderEvent.objects.create(
        order=order,
        kind=action,
        from_state=order.state,
        to_state=target,
        actor=None,
        note=note.strip(),
        data=data or {},
    )
    order.refresh_from_db()
    hooks.after_event(order=order, event=event)
    return order
