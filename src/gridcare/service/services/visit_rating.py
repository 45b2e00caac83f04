"""Return visits (回访), part 2: the customer's rating and what follows from it.

1. A rating is a whole number 1–5 with an optional comment (at most 500 characters); any
   other value is refused with 400 before anything is stored.
2. A visit is rated once: the rating is written by compare-and-set on the open visit, so a
   second rating (or two at once) gets 409 `service.visit.already_rated`.
3. The rating is a public `rated` event on the order, then `VISIT_POLICY` decides: the
   first row whose `min_rating` the rating reaches gives the order's next action (archive
   or reopen, by the system), the visit's outcome, and whether it is flagged for the
   quality team or escalated to the answerable unit's manager.
4. An SMS reply "1".."5" (contact's `rating_received` signal) rates the sender's single
   open visit; with none or several open it is left on the timeline, marked unapplied.
5. A visit nobody rated by its `due_at` closes as `no_answer` and the order is archived
   (`visits_expire`, run by a sweep).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridcare.core.errors import Conflict, DomainError, NotFound
from gridcare.core.models import User
from gridcare.customers.services import interaction_link
from gridcare.service.choices import EventKind, OrderState, OrderType, VisitOutcome
from gridcare.service.models import ReturnVisit, WorkOrder, WorkOrderEvent
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services.lifecycle import order_act_as_system
from gridcare.service.services.visits import token_digest

logger = logging.getLogger("gridcare.service")

COMMENT_MAX = 500
#: A visit link's token is 32 characters; anything much longer is not one of ours.
TOKEN_MAX = 64


@dataclass(frozen=True)
class PolicyRow:
    """What a rating of at least `min_rating` leads to."""

    min_rating: int
    action: str
    outcome: str
    flag: bool = False
    #: Order types whose low rating also goes to the unit's manager.
    escalate_types: frozenset[str] = frozenset()


#: The return-visit policy (docs/architecture.md, "Return visits and progress notices"),
#: best rating first: 4–5 satisfied and archived; 3 archived but flagged for the quality
#: team; 1–2 reopened (sent back to the team), complaints also escalated to the manager.
VISIT_POLICY: tuple[PolicyRow, ...] = (
    PolicyRow(min_rating=4, action="archive", outcome=VisitOutcome.SATISFIED),
    PolicyRow(min_rating=3, action="archive", outcome=VisitOutcome.SATISFIED, flag=True),
    PolicyRow(
        min_rating=1,
        action="reopen",
        outcome=VisitOutcome.REOPENED,
        escalate_types=frozenset({OrderType.COMPLAINT}),
    ),
)


def policy_for(rating: int) -> PolicyRow:
    return next(row for row in VISIT_POLICY if rating >= row.min_rating)


def parse_rating(value: object) -> int:
    """1–5 from an int or a string of one digit; `service.visit.bad_rating` (400) otherwise."""
    text = (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    )
    if text not in {"1", "2", "3", "4", "5"}:
        raise DomainError("service.visit.bad_rating", "评分应为 1 到 5 的整数", field="rating")
    return int(text)


def visit_for_token(token: str) -> ReturnVisit:
    """The visit a link's token opens, or 404 (unknown, malformed or too long)."""
    visits = ReturnVisit.objects.select_related("order")
    visit = visits.filter(token_digest=token_digest(token)).first() if token else None
    if visit is None or len(token) > TOKEN_MAX:
        raise NotFound("service.visit.not_found", "评价链接无效或已失效", field="token")
    return visit


def visit_open_of_order(*, actor: User, number: str) -> ReturnVisit:
    """The open visit of an order the customer may see (404 outside scope, 409 none open)."""
    order = order_get_for_user(user=actor, number=number)
    visit = order.visits.filter(outcome=VisitOutcome.PENDING).select_related("order").first()
    if visit is None:
        raise Conflict("service.visit.not_open", "该工单当前没有待评价的回访")
    return visit


def visit_pending_of(*, order: WorkOrder) -> ReturnVisit | None:
    """The order's open visit, if any (the progress page shows the rating form then)."""
    return order.visits.filter(outcome=VisitOutcome.PENDING, due_at__gt=timezone.now()).first()


@transaction.atomic
def visit_rate(
    *,
    visit: ReturnVisit,
    rating: object,
    channel: str,
    comment: str = "",
    actor: User | None = None,
    interaction_id: int | None = None,
) -> ReturnVisit:
    """Record the customer's rating of `visit` (found by `visit_for_token` or
    `visit_open_of_order`) once, and apply the policy to the order."""
    score = parse_rating(rating)
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            "service.visit.comment_too_long", f"评价内容不能超过 {COMMENT_MAX} 字", field="comment"
        )
    _check_open(visit)
    row = policy_for(score)
    escalate = visit.order.order_type in row.escalate_types
    outcome = VisitOutcome.ESCALATED if escalate else row.outcome
    now = timezone.now()
    updated = ReturnVisit.objects.filter(pk=visit.pk, outcome=VisitOutcome.PENDING).update(
        rating=score, comment=comment, responded_at=now, outcome=outcome, flagged=row.flag
    )
    if updated != 1:
        raise Conflict("service.visit.already_rated", "您已评价过该工单，感谢您的反馈")
    order = visit.order
    data: dict[str, Any] = {"rating": score, "channel": channel, "visit": visit.pk}
    if interaction_id is not None:
        data["interaction"] = interaction_id
    WorkOrderEvent.objects.create(
        order=order,
        kind=EventKind.RATED,
        from_state=order.state,
        to_state=order.state,
        actor=actor,
        note=comment,
        data=data,
    )
    if escalate:
        _escalate(order, score)
    _apply(order, row, score)
    visit.refresh_from_db()
    return visit


def _check_open(visit: ReturnVisit) -> None:
    if visit.rating is not None:
        raise Conflict("service.visit.already_rated", "您已评价过该工单，感谢您的反馈")
    if visit.outcome != VisitOutcome.PENDING or visit.due_at <= timezone.now():
        raise Conflict("service.visit.closed", "该回访已结束，如有问题请拨打 95598")


def _apply(order: WorkOrder, row: PolicyRow, score: int) -> None:
    """Move the order as the policy says, if it is still waiting for the visit (staff may
    have archived it meanwhile: the rating is then recorded and nothing moves)."""
    order.refresh_from_db(fields=["state"])
    if order.state != OrderState.RETURN_VISIT:
        return
    note = f"客户回访评价 {score} 分" + ("，重新处理" if row.action == "reopen" else "")
    data = {"rating": score, "flagged": True} if row.flag else {"rating": score}
    order_act_as_system(number=order.number, action=row.action, note=note, data=data)


def _escalate(order: WorkOrder, score: int) -> None:
    """A complaint's low rating goes to the answerable unit's manager. Recorded as an
    internal event on the order; TODO(#24): also send it through notify's staff notices
    once the SLA work's `staff_notice_send` is on main."""
    WorkOrderEvent.objects.create(
        order=order,
        kind=EventKind.NOTE,
        from_state=order.state,
        to_state=order.state,
        actor=None,
        note=f"投诉回访评价 {score} 分，已升级至{order.org_unit.name}负责人",
        public=False,
        data={"escalation": "low_rating", "rating": score, "org_unit": order.org_unit_id},
    )


def visit_rate_by_sms(*, customer_id: int, rating: int, interaction_id: int) -> ReturnVisit | None:
    """An SMS reply's rating, applied to the customer's single open visit. With none or
    several open it is not applied; the timeline entry says why (`rating_unapplied`)."""
    now = timezone.now()
    open_visits = list(
        ReturnVisit.objects.select_related("order").filter(
            order__customer_id=customer_id, outcome=VisitOutcome.PENDING, due_at__gt=now
        )[:2]
    )
    if len(open_visits) != 1:
        reason = "no_open_visit" if not open_visits else "several_open_visits"
        interaction_link(
            customer_id=customer_id,
            interaction_id=interaction_id,
            links={"rating_unapplied": reason},
        )
        return None
    visit = visit_rate(
        visit=open_visits[0], rating=rating, channel="sms", interaction_id=interaction_id
    )
    interaction_link(
        customer_id=customer_id,
        interaction_id=interaction_id,
        links={"work_order": visit.order.number},
    )
    return visit


def rating_received(
    sender: object, *, customer_id: int, rating: int, interaction_id: int, **kwargs: object
) -> None:
    """Receiver of contact's `rating_received` signal (connected in `ServiceConfig.ready`)."""
    try:
        visit_rate_by_sms(customer_id=customer_id, rating=rating, interaction_id=interaction_id)
    except DomainError as error:  # rated already, closed meanwhile: the reply stays recorded
        logger.info("SMS rating not applied: %s (interaction %s)", error.code, interaction_id)


def visits_expire(*, now: datetime | None = None) -> int:
    """Close every open visit past its `due_at` as `no_answer` and archive its order;
    returns how many closed. Each visit in its own transaction, claimed by compare-and-set,
    so two sweeps never archive one order twice."""
    now = now or timezone.now()
    closed = 0
    due = ReturnVisit.objects.filter(outcome=VisitOutcome.PENDING, due_at__lte=now)
    for visit_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = ReturnVisit.objects.filter(pk=visit_id, outcome=VisitOutcome.PENDING).update(
                outcome=VisitOutcome.NO_ANSWER
            )
            if claimed != 1:
                continue
            order = WorkOrder.objects.get(visits__pk=visit_id)
            if order.state == OrderState.RETURN_VISIT:
                order_act_as_system(
                    number=order.number,
                    action="archive",
                    note="回访期限内客户未评价",
                    data={"visit": visit_id, "outcome": VisitOutcome.NO_ANSWER},
                )
            closed += 1
    return closed
