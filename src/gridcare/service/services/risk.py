"""Escalation risk (placeholder until the scoring lands)."""

from __future__ import annotations

from gridcare.service.models import WorkOrder


def risk_assess(*, order: WorkOrder) -> None:
    """Score the order's escalation risk and set its priority and flags."""
