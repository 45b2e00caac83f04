"""Duplicate detection and merging (placeholder until it lands)."""

from __future__ import annotations

from gridcare.service.models import WorkOrder


def merge_suggest(*, order: WorkOrder) -> None:
    """Record the open orders `order` may duplicate (same account, or same 台区 in a window)."""


def order_merge(*, actor: object, number: str, parent_number: str, note: str = "") -> WorkOrder:
    """Merge order `number` (child) into `parent_number`; the child's customer keeps getting
    the parent's updates."""
    raise NotImplementedError
