"""SLA clocks (placeholder until the clock rules land): start, pause, resume and stop an
order's clocks from its events."""

from __future__ import annotations

from gridcare.service.models import WorkOrder, WorkOrderEvent


def clocks_apply(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Start, pause, resume or stop the clocks `event` concerns."""
