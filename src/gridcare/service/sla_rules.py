"""Which events start, stop and pause which SLA clock, as a table (framework-free).

The limits are data (`SlaRule`, seeded from data/sla_presets.toml); this table says only
when each clock runs. A clock exists for an order only if the policy has a rule for it.

| clock              | orders                                   | starts at        | stops at (met/breached) |
| ------------------ | ---------------------------------------- | ---------------- | ----------------------- |
| repair_arrival     | fault_repair                             | created, reopen  | arrive                  |
| repair_restoration | fault_repair                             | arrive           | resolve                 |
| complaint_contact  | complaint                                | created          | contact, resolve        |
| complaint_reply    | complaint                                | created, reopen  | resolve                 |
| reply              | report, opinion, suggestion, consultation, service_request | created, reopen | resolve |
| reconnection       | service_request (rules name request.reconnection) | created, reopen | resolve |
| disconnection      | service_request (rules name request.disconnection) | created, reopen | resolve |

Every clock: `pause` pauses it, `resume` resumes it (the deadline moves by the time the
pause covered); `cancel`, `merge` and `archive` stop it (neither met nor breached unless it
was already overdue). "contact" is not a lifecycle action: it is any event whose data says
`{"contact": true}` (or `"contacted"`), as `order_contact_record` writes. A clock whose
start event comes again after it stopped (a reopened order, a second arrival) restarts
with its full limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CREATED = "created"
CONTACT = "contact"
PAUSE = "pause"
RESUME = "resume"
#: Events that end every clock without fulfilling it.
ENDING = frozenset({"cancel", "merge", "archive"})
#: What a clock stopped by (`SlaClock.stopped_by`) counts as a fulfilled commitment.
NOT_FULFILLED = ENDING


@dataclass(frozen=True)
class ClockRule:
    clock: str
    order_types: frozenset[str]
    starts_on: frozenset[str]
    stops_on: frozenset[str]


def _r(clock: str, types: set[str], starts: set[str], stops: set[str]) -> ClockRule:
    return ClockRule(clock, frozenset(types), frozenset(starts), frozenset(stops))


CLOCK_RULES: tuple[ClockRule, ...] = (
    _r("repair_arrival", {"fault_repair"}, {CREATED, "reopen"}, {"arrive"}),
    _r("repair_restoration", {"fault_repair"}, {"arrive"}, {"resolve"}),
    _r("complaint_contact", {"complaint"}, {CREATED}, {CONTACT, "resolve"}),
    _r("complaint_reply", {"complaint"}, {CREATED, "reopen"}, {"resolve"}),
    _r(
        "reply",
        {"report", "opinion", "suggestion", "consultation", "service_request"},
        {CREATED, "reopen"},
        {"resolve"},
    ),
    # Billing's supply orders: the clock exists only where a rule names the category.
    _r("reconnection", {"service_request"}, {CREATED, "reopen"}, {"resolve"}),
    _r("disconnection", {"service_request"}, {CREATED, "reopen"}, {"resolve"}),
)


def event_signals(kind: str, data: dict[str, Any] | None) -> frozenset[str]:
    """The clock signals an event carries: its kind, plus "contact" when it records one."""
    signals = {kind}
    if data and (data.get("contact") is True or data.get("contacted") is True):
        signals.add(CONTACT)
    return frozenset(signals)


def clocks_to_start(order_type: str, signals: frozenset[str]) -> list[str]:
    return [r.clock for r in CLOCK_RULES if order_type in r.order_types and r.starts_on & signals]


def clocks_to_stop(order_type: str, signals: frozenset[str]) -> list[str]:
    """Clocks these signals fulfil (or end, for cancel/merge/archive)."""
    if signals & ENDING:
        return [r.clock for r in CLOCK_RULES if order_type in r.order_types]
    return [r.clock for r in CLOCK_RULES if order_type in r.order_types and r.stops_on & signals]
