"""Progress notices to the customer (placeholder until notices land)."""

from __future__ import annotations

from gridcare.service.models import WorkOrder, WorkOrderEvent


def progress_notify(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Tell the customer (and the customers of merged child orders) what just happened."""
