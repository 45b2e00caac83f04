"""What follows an order's events, in the same transaction: SLA clocks, risk, duplicates,
the customer's progress notice. One place that lists them, so intake and lifecycle stay
short and a newcomer sees the whole chain."""

from __future__ import annotations

from gridcare.service.choices import EventKind
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.services import duplicates, progress, risk, sla, visits


def after_create(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    risk.risk_assess(order=order)
    duplicates.merge_suggest(order=order)
    sla.clocks_apply(order=order, event=event)
    progress.progress_notify(order=order, event=event)


def after_event(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    sla.clocks_apply(order=order, event=event)
    progress.progress_notify(order=order, event=event)
    if event.kind == EventKind.RESOLVE:
        # The return visit moves the order on by itself; its event gets the same follow-ups.
        started = visits.visit_start(order=order)
        if started is not None:
            after_event(order=order, event=started)
