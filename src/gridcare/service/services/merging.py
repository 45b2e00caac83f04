"""Duplicate detection and merging (placeholder until it lands)."""

from __future__ import annotations

from gridcare.service.models import WorkOrder


def merge_suggest(*, order: WorkOrder) -> None:
    """Record the open orders `order` may duplicate (same account, or same 台区 in a window)."""
