"""Moving an order through its lifecycle: one compare-and-set per action, one event row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from gridcare.core.choices import OrgUnitKind
from gridcare.core.errors import Conflict, DomainError
from gridcare.core.models import OrgUnit, User
from gridcare.service.models import WorkOrder
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services import hooks
from gridcare.service.services.access import check_may_act
from gridcare.service.services.transitions import target_state, transition_record

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
    target_state(order, action)  # a refused action is a 409 before any other rule
    changes = _changes(actor, order, action, team_id=team_id, note=note)
    event = transition_record(
        order=order,
        action=action,
        actor=actor,
        changes=changes,
        expected_version=expected_version,
        note=note,
        public=public,
        data={**(data or {}), **_team_data(changes)},
    )
    hooks.after_event(order=order, event=event)
    return order


def _changes(
    actor: User | None, order: WorkOrder, action: str, *, team_id: int | None, note: str
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


def _team_data(changes: dict[str, Any]) -> dict[str, Any]:
    """What a dispatch or reassign event keeps of the team it handed the order to, so a
    timeline names the right team after the order moved on."""
    team = changes.get("team")
    return {"team_id": team.pk, "team_name": team.name} if team is not None else {}


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


#: What the system itself may do to an order (return visits: archive after a rating or
#: when nobody answered, reopen after a low rating; billing: cancel a disconnection order
#: the customer's payment made unnecessary).
SYSTEM_ACTIONS = frozenset({"archive", "reopen", "cancel"})


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
    target_state(order, action)
    changes = _changes(None, order, action, team_id=None, note=note)
    event = transition_record(
        order=order, action=action, actor=None, changes=changes, note=note, data=data
    )
    hooks.after_event(order=order, event=event)
    return order
