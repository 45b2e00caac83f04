"""The notice rules of planned outages (domain-facts §1, 十项承诺 item 2), framework-free.

- planned maintenance (计划检修): customers are told at least 7 days ahead;
- temporary maintenance (临时检修): important customers at least 24 h ahead (others have
  no stated minimum);
- limited supply (限电): follows the government-approved orderly-use plan — no lead time
  is checked here.
The minimums come from settings (OUTAGES_PLANNED_NOTICE_DAYS, OUTAGES_TEMPORARY_NOTICE_HOURS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAINTENANCE = "maintenance"
TEMPORARY = "temporary"


@dataclass(frozen=True)
class NoticeCheck:
    """Whether publishing now gives the notice the rule asks for."""

    rule: str  # "maintenance_7d", "temporary_important_24h" or "" (no rule applies)
    required_hours: float
    lead_hours: float

    @property
    def met(self) -> bool:
        return not self.rule or self.lead_hours >= self.required_hours


def notice_check(
    *,
    planned_type: str,
    starts_at: datetime,
    now: datetime,
    important_affected: int,
    maintenance_days: int,
    temporary_hours: int,
) -> NoticeCheck:
    lead = (starts_at - now) / timedelta(hours=1)
    if planned_type == MAINTENANCE:
        return NoticeCheck("maintenance_7d", maintenance_days * 24.0, lead)
    if planned_type == TEMPORARY and important_affected:
        return NoticeCheck("temporary_important_24h", float(temporary_hours), lead)
    return NoticeCheck("", 0.0, lead)
