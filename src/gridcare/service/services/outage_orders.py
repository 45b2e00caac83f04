"""One repair work order per unplanned outage, and the repair calls from inside it merged in.

Rules:

1. A feeder or 台区 outage detected (outages signal `unplanned_outage_opened`) opens one
   `fault_repair` order as the system: origin `system`, source_ref `outage:<number>` (so a
   rerun finds it again), category high-voltage line (feeder) or transformer fault (台区),
   on the first 台区 of the scope, dispatched at once to the team that serves that 台区
   (dispatch.team_suggestions, best first). Its number goes onto the outage.
2. A repair order (any channel: hotline, portal, chat …) whose account is off in an active
   outage is merged into the outage's order as the system instead of dispatching a crew of
   its own — when it is created, and, for calls made before the outage was detected, when
   the outage's order opens. The outage records each merged order (`order_linked`).
3. A 台区 outage absorbed into a feeder outage (`unplanned_outage_absorbed`): its order
   and the calls merged into it join the feeder outage's order (unless its crew took it).
4. The outage restored (`unplanned_outage_restored`): its order moves on to resolved as the
   system — the grid says the supply is back — and the merged orders close with it: their
   customers follow the parent and hear of its resolution (progress notices, rule 3).

A failure here never loses the outage: each receiver runs in a savepoint and logs, and
`outage_orders_sweep` (every minute in `gridcare worker`) redoes from the outage rows what a
receiver missed — an active outage without its order, a restored outage whose order is
still open — so the signals make it fast and the rows make it sure.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridcare.core.errors import DomainError
from gridcare.core.models import OrgUnit
from gridcare.outages.choices import OutageLevel
from gridcare.outages.models import Outage
from gridcare.outages.selectors.detect import (
    outage_account_ids,
    outage_active_for_account,
    outages_missing_order,
    outages_restored_among,
)
from gridcare.outages.services.repair_link import outage_order_linked, outage_repair_order_set
from gridcare.service.choices import OPEN_STATES, REPAIR_TYPES, OrderState, OrderType, Origin
from gridcare.service.models import WorkOrder
from gridcare.service.services import hooks
from gridcare.service.services.dispatch import team_suggestions
from gridcare.service.services.intake import OrderDraft, order_create_as_system
from gridcare.service.services.transitions import transition_record

logger = logging.getLogger("gridcare.outages")

SOURCE_PREFIX = "outage:"
CATEGORY: dict[str, str] = {
    OutageLevel.FEEDER: "fault.high_voltage.line",
    OutageLevel.TRANSFORMER: "fault.high_voltage.transformer",
}
#: The way from each open state to resolved for a repair order (lifecycle table).
TO_RESOLVED = {
    OrderState.ACCEPTED: "dispatch",
    OrderState.DISPATCHED: "take",
    OrderState.TAKEN: "arrive",
    OrderState.ARRIVED: "resolve",
}


def on_outage_opened(sender: Any, *, outage: Outage, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            outage_order_open(outage=outage)
    except DomainError as exc:
        logger.warning("repair order for outage %s not opened: %s %s", outage, exc.code, exc)


def on_outage_absorbed(sender: Any, *, outage: Outage, into: Outage, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            outage_order_absorb(outage=outage, into=into)
    except DomainError as exc:
        logger.warning("repair order of outage %s not merged: %s %s", outage, exc.code, exc)


def on_outage_restored(sender: Any, *, outage: Outage, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            outage_order_resolve(outage=outage)
    except DomainError as exc:
        logger.warning("repair order of outage %s not resolved: %s %s", outage, exc.code, exc)


def outage_orders_sweep() -> int:
    """Open the orders of active outages that have none and resolve those of restored
    outages (rules 1 and 4, from the rows); returns how many outages it acted on."""
    acted = 0
    for outage in outages_missing_order(levels=list(CATEGORY)):
        on_outage_opened(None, outage=outage)
        acted += 1
    open_numbers = WorkOrder.objects.filter(
        source_ref__startswith=SOURCE_PREFIX, state__in=list(TO_RESOLVED)
    ).values_list("data__outage", flat=True)
    for outage in outages_restored_among(numbers=[n for n in open_numbers if n]):
        on_outage_restored(None, outage=outage)
        acted += 1
    return acted


def outage_orders_periodic() -> None:
    """What `gridcare worker` runs every minute (core.periodic)."""
    acted = outage_orders_sweep()
    if acted:
        logger.info("Outage repair orders: %d outages caught up", acted)


def on_order_created(sender: Any, *, order: WorkOrder, **kwargs: Any) -> None:
    outage_order_link(order=order)


def outage_order_open(*, outage: Outage) -> WorkOrder | None:
    """The outage's repair order (rule 1), with the calls already made merged in."""
    if outage.level not in CATEGORY:
        return None
    transformer = outage.transformer or _first_transformer(outage)
    scope = outage.feeder.name if outage.level == OutageLevel.FEEDER and outage.feeder else ""
    draft = OrderDraft(
        order_type=OrderType.FAULT_REPAIR,
        origin=Origin.SYSTEM,
        title=f"故障停电抢修：{scope or (transformer.name if transformer else outage.number)}",
        description=(
            f"停电事件自动研判：{outage.get_level_display()}停电，停电编号 {outage.number}，"
            f"影响 {outage.affected_count} 户，"
            f"开始于 {timezone.localtime(outage.starts_at):%Y-%m-%d %H:%M}。"
        ),
        category_code=CATEGORY[outage.level],
        transformer_code=transformer.code if transformer else "",
        contact_data_required=False,
        source_ref=f"{SOURCE_PREFIX}{outage.number}",
        data={"outage": outage.number},
    )
    order = order_create_as_system(draft=draft)
    if order.state == OrderState.ACCEPTED:
        _dispatch(order)
    outage_repair_order_set(outage=outage, order_number=order.number)
    for call in _calls_inside(outage, exclude=order):
        _merge(call, into=order, outage=outage)
    return order


def outage_order_link(*, order: WorkOrder) -> bool:
    """A new repair order from inside an active outage joins its repair order (rule 2)."""
    if order.order_type not in REPAIR_TYPES or order.account_id is None:
        return False
    if order.source_ref.startswith(SOURCE_PREFIX) or order.state != OrderState.ACCEPTED:
        return False
    outage = outage_active_for_account(account_id=order.account_id)
    if outage is None or not outage.repair_order_number:
        return False
    parent = WorkOrder.objects.filter(
        number=outage.repair_order_number, state__in=OPEN_STATES
    ).first()
    if parent is None:
        return False
    _merge(order, into=parent, outage=outage)
    return True


def outage_order_absorb(*, outage: Outage, into: Outage) -> WorkOrder | None:
    """A 台区 outage absorbed into a feeder outage: its repair order (and the calls merged
    into it) join the feeder outage's order, when its crew has not taken it yet."""
    order = WorkOrder.objects.filter(number=outage.repair_order_number).first()
    parent = WorkOrder.objects.filter(number=into.repair_order_number, state__in=OPEN_STATES)
    root = parent.first()
    if order is None or root is None:
        return None
    if order.state not in (OrderState.ACCEPTED, OrderState.DISPATCHED):
        logger.warning("outage order %s is %s: left to its crew", order.number, order.state)
        return order
    WorkOrder.objects.filter(parent=order).update(parent=root)
    _merge(order, into=root, outage=into)
    return order


def outage_order_resolve(*, outage: Outage) -> WorkOrder | None:
    """Walk the outage's order on to resolved as the system (rule 3)."""
    order = WorkOrder.objects.filter(number=outage.repair_order_number).first()
    if order is None:
        return None
    note = f"停电 {outage.number} 已恢复供电（停上电事件研判）"
    while order.state in TO_RESOLVED:
        action = TO_RESOLVED[OrderState(order.state)]
        changes = _changes(order, action)
        if changes is None:
            logger.warning("outage order %s: no team to dispatch to", order.number)
            return order
        event = transition_record(
            order=order,
            action=action,
            actor=None,
            changes=changes,
            note=note if action == "resolve" else "",
            public=action == "resolve",
            data={"outage": outage.number},
        )
        _after_event(order, event)
        order.refresh_from_db()
    return order


def _changes(order: WorkOrder, action: str) -> dict[str, Any] | None:
    now = timezone.now()
    if action == "dispatch":
        team = _team(order)
        return None if team is None else {"team": team, "assignee": None}
    if action == "resolve":
        return {"resolved_at": now, "waiting_since": None}
    return {}


def _team(order: WorkOrder) -> OrgUnit | None:
    suggestions = team_suggestions(order=order)
    return suggestions[0].team if suggestions else None


def _dispatch(order: WorkOrder) -> None:
    team = _team(order)
    if team is None:
        return
    event = transition_record(
        order=order,
        action="dispatch",
        actor=None,
        changes={"team": team, "assignee": None},
        data={"team_id": team.pk, "team_name": team.name},
    )
    _after_event(order, event)


def _after_event(order: WorkOrder, event: Any) -> None:
    hooks.after_event(order=order, event=event)


def _first_transformer(outage: Outage) -> Any:
    item = outage.scope_items.select_related("transformer").order_by("transformer_id").first()
    return item.transformer if item else None


def _calls_inside(outage: Outage, *, exclude: WorkOrder) -> list[WorkOrder]:
    """Open repair orders of the outage's customers, made since it began."""
    return list(
        WorkOrder.objects.filter(
            order_type__in=list(REPAIR_TYPES),
            account_id__in=outage_account_ids(outage=outage),
            state__in=[OrderState.ACCEPTED, OrderState.DISPATCHED],
            created_at__gte=outage.starts_at,
        )
        .exclude(pk=exclude.pk)
        .order_by("created_at")
    )


def _merge(child: WorkOrder, *, into: WorkOrder, outage: Outage) -> None:
    event = transition_record(
        order=child,
        action="merge",
        actor=None,
        changes={"closed_at": timezone.now(), "waiting_since": None, "parent": into},
        note=f"您所在区域停电（停电编号 {outage.number}）已在抢修，本工单并入抢修工单 {into.number}",
        data={"parent": into.number, "outage": outage.number},
    )
    _after_event(child, event)
    outage_order_linked(outage=outage, order_number=child.number)
