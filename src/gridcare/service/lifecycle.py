"""The work-order state machine as a table (framework-free).

A table rather than a state-machine library: the 95598 lifecycle is eleven transitions a
newcomer reads in one screen, the refusal must list the allowed actions (HTTP 409), and the
database update must be a compare-and-set on (state, version) so two agents never both win —
django-fsm and friends save the whole row and leave that to us anyway.

accepted → dispatched → taken → arrived → resolved → return_visit → archived, plus
reassign, send_back (退单), cancel (by the customer or for them), reopen, merge.
Repair orders are dispatched to a crew and pass through `arrived`; other orders may be
taken straight from `accepted` by the member of staff who handles them, and are resolved
once taken.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCEPTED = "accepted"
DISPATCHED = "dispatched"
TAKEN = "taken"
ARRIVED = "arrived"
RESOLVED = "resolved"
RETURN_VISIT = "return_visit"
ARCHIVED = "archived"
CANCELLED = "cancelled"
MERGED = "merged"

#: Stays in the state it was in (pause and resume do not move the order).
SAME = ""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    #: Only for repair orders (True), only for other orders (False), or both (None).
    repair: bool | None = None


def _t(action: str, sources: set[str], target: str, repair: bool | None = None) -> Transition:
    return Transition(action, frozenset(sources), target, repair)


TRANSITIONS: tuple[Transition, ...] = (
    _t("dispatch", {ACCEPTED}, DISPATCHED),
    _t("reassign", {DISPATCHED, TAKEN}, DISPATCHED),
    _t("take", {DISPATCHED}, TAKEN),
    # A desk order (a complaint, an application) may be taken by whoever handles it.
    _t("take", {ACCEPTED}, TAKEN, repair=False),
    _t("send_back", {DISPATCHED, TAKEN}, ACCEPTED),
    _t("arrive", {TAKEN}, ARRIVED, repair=True),
    _t("resolve", {ARRIVED}, RESOLVED, repair=True),
    _t("resolve", {TAKEN}, RESOLVED, repair=False),
    _t("start_visit", {RESOLVED}, RETURN_VISIT),
    _t("archive", {RESOLVED, RETURN_VISIT}, ARCHIVED),
    _t("reopen", {RESOLVED, RETURN_VISIT}, DISPATCHED),
    _t("cancel", {ACCEPTED, DISPATCHED, TAKEN}, CANCELLED),
    _t("merge", {ACCEPTED, DISPATCHED}, MERGED),
    _t("pause", {ACCEPTED, DISPATCHED, TAKEN, ARRIVED}, SAME),
    _t("resume", {ACCEPTED, DISPATCHED, TAKEN, ARRIVED}, SAME),
)

ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def _applies(transition: Transition, *, is_repair: bool) -> bool:
    return transition.repair is None or transition.repair == is_repair


def target_state(action: str, *, state: str, is_repair: bool) -> str | None:
    """The state `action` leads to from `state`, or None if it is not allowed there."""
    for transition in TRANSITIONS:
        if (
            transition.action == action
            and state in transition.sources
            and _applies(transition, is_repair=is_repair)
        ):
            return transition.target or state
    return None


def allowed_actions(*, state: str, is_repair: bool) -> list[str]:
    """Actions possible from `state`, in lifecycle order (what a 409 lists)."""
    return [
        action
        for action in ACTIONS
        if target_state(action, state=state, is_repair=is_repair) is not None
    ]
