"""Billing's supply orders, seen from the order's own events (called by `hooks`).

An order is a supply order when the system opened it from a billing request (origin
`system`, source_ref `billing:<event key>`) in category `request.disconnection` or
`request.reconnection`; an agent's order of the same category is an ordinary order.

- resolve (the crew has done it): billing records the supply state
  (`supply_state_record`: DISCONNECTED or CONNECTED). A resolved disconnection order is
  then archived by the system: there is nothing to ask the customer about, so no return
  visit; a reconnection order gets its return visit like any other.
- cancel of a disconnection order (staff decided against it, or the payment made it
  unnecessary, see billing_orders): the supply never went off, billing records CONNECTED.
- The customer hears of a reconnection order's progress as of any order; of a
  disconnection order only through billing's own notices (the notice days ahead, then
  "supply cut"), never "your request was accepted".

This module is imported by `hooks`, so it must not import `lifecycle` or `intake` (which
import `hooks`): it moves the order with `transitions.transition_record`.
"""

from __future__ import annotations

from gridcare.billing.choices import SupplyState
from gridcare.billing.services.cycle import supply_state_record
from gridcare.service.choices import EventKind, Origin
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.services.transitions import transition_record

DISCONNECTION = "request.disconnection"
RECONNECTION = "request.reconnection"
SOURCE_PREFIX = "billing:"


def supply_kind(order: WorkOrder) -> str:
    """DISCONNECTION, RECONNECTION, or "" for any other order."""
    if order.origin != Origin.SYSTEM or not order.source_ref.startswith(SOURCE_PREFIX):
        return ""
    code = order.category.code if order.category_id is not None and order.category else ""
    return code if code in (DISCONNECTION, RECONNECTION) else ""


def customer_told(order: WorkOrder) -> bool:
    """Whether the customer gets the order's progress notices."""
    return supply_kind(order) != DISCONNECTION


def supply_order_event(*, order: WorkOrder, event: WorkOrderEvent) -> WorkOrderEvent | None:
    """Tell billing what a supply order's event means; returns the system's own follow-up
    event (the archive of a done disconnection) for `hooks` to run, else None."""
    kind = supply_kind(order)
    if not kind or order.account is None:
        return None
    if event.kind == EventKind.RESOLVE:
        cut = kind == DISCONNECTION
        supply_state_record(
            account=order.account,
            state=SupplyState.DISCONNECTED if cut else SupplyState.CONNECTED,
            order_number=order.number,
        )
        if cut:
            return transition_record(
                order=order, action=EventKind.ARCHIVE, actor=None, note="停电已执行，工单归档"
            )
    elif event.kind == EventKind.CANCEL and kind == DISCONNECTION:
        supply_state_record(
            account=order.account,
            state=SupplyState.CONNECTED,
            order_number=order.number,
            note=event.note or "停电工单已取消",
        )
    return None
