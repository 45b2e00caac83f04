"""Alert rules evaluated over their windows; a firing notifies the responsible managers."""

from __future__ import annotations


def alerts_periodic() -> None:
    """The worker's job: evaluate every active rule now."""
