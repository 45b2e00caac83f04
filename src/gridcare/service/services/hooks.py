"""What follows an order's events, in the same transaction: SLA clocks, risk, duplicates,
the customer's progress notice, billing's supply state. One place that lists them, so
intake and lifecycle stay short and a newcomer sees the whole chain."""

from __future__ import annotations

from gridcare.service.choices import EventKind
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.services import billing_supply, duplicates, progress, risk, sla, visits
from gridcare.service.signals import order_created


def after_create(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    risk.risk_assess(order=order)
    duplicates.merge_suggest(order=order)
    sla.clocks_apply(order=order, event=event)
    if billing_supply.customer_told(order):
        progress.progress_notify(order=order, event=event)
    # A repair call from inside an active outage joins the outage's repair order instead
    # of sending a crew of its own (outage_orders, rule 2). A signal, not a call:
    # outage_orders merges through these hooks, and the services package has no cycles.
    order_created.send(sender=WorkOrder, order=order)


def after_event(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    sla.clocks_apply(order=order, event=event)
    if billing_supply.customer_told(order):
        progress.progress_notify(order=order, event=event)
    # A billing supply order tells billing the supply state (and a done disconnection is
    # archived at once: no return visit); its follow-up event gets the same follow-ups.
    follow_up = billing_supply.supply_order_event(order=order, event=event)
    if follow_up is not None:
        after_event(order=order, event=follow_up)
        return
    if event.kind == EventKind.RESOLVE:
        # The return visit moves the order on by itself; its event gets the same follow-ups.
        started = visits.visit_start(order=order)
        if started is not None:
            after_event(order=order, event=started)
