"""Merging duplicate orders (issue 24 §7): child → parent, through the lifecycle's `merge`.

Rules (each refusal has its own code):

1. Both orders must be within the actor's scope; one outside is 404, like a missing one
   (`service.merge.parent_not_found`). A merge across org units is allowed to an actor whose
   scope covers both (a bureau manager), never otherwise.
2. A parent that is itself merged is followed to its root, so a stale suggestion still lands
   on the master. The root must be open (`service.merge.parent_closed`, 409) and must not be
   the child (`service.merge.self`).
3. Orders merge within one type family (`service.merge.type_mismatch`): repairs with repairs,
   complaints with complaints. Only repairs may merge across customers (one outage, many
   callers); other orders of different customers are refused (`service.merge.different_customers`).
4. The child must be in a state the lifecycle lets merge (accepted, dispatched): otherwise the
   lifecycle's 409 with the allowed actions.

The child's `merge` event (data {"parent": number}) is written by `order_act`, which also runs
the hooks (SLA clocks stop, the customer is told). The tree stays one level deep: children
of the child move to the root. The root gets an internal note (data {"merged_child": number,
"adopted": [...]}) — a note, not a `merge` event, so nothing treats the parent as merged.
When the parent resolves or is archived, its children stay `merged` (closed): their
customers follow the parent (`merge_selectors.order_followers`) and hear of its resolution.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gridcare.core.errors import Conflict, DomainError, NotFound
from gridcare.core.models import User
from gridcare.service.choices import OPEN_STATES, REPAIR_TYPES, EventKind, OrderState
from gridcare.service.models import MergeSuggestion, WorkOrder, WorkOrderEvent
from gridcare.service.selectors import orders_visible_to
from gridcare.service.services.access import check_may_act
from gridcare.service.services.duplicates import merge_suggest
from gridcare.service.services.lifecycle import order_act

__all__ = ["merge_suggest", "order_merge"]

#: A merged chain longer than this is corrupt data, not a real history.
MAX_CHAIN = 20


@transaction.atomic
def order_merge(*, actor: User, number: str, parent_number: str, note: str = "") -> WorkOrder:
    """Merge order `number` (child) into `parent_number`; the child's customer keeps getting
    the parent's updates. Returns the child, now `merged` with its parent set."""
    child = _visible(actor, number, code="service.order.not_found", field="number")
    check_may_act(actor, child, "merge")
    chain = _chain(actor, parent_number)
    root = chain[-1]
    _check(child, root)
    order_act(
        actor=actor, number=child.number, action="merge", note=note, data={"parent": root.number}
    )
    WorkOrder.objects.filter(pk=child.pk).update(parent=root)
    grandchildren = WorkOrder.objects.filter(parent=child)
    adopted = list(grandchildren.values_list("number", flat=True))
    grandchildren.update(parent=root)
    WorkOrderEvent.objects.create(
        order=root,
        kind=EventKind.NOTE,
        actor=actor,
        note=f"工单 {child.number} 已合并到本工单",
        public=False,
        data={"merged_child": child.number, "adopted": adopted},
    )
    _decide_suggestions(child, accepted_ids={order.pk for order in chain})
    child.refresh_from_db()
    return child


def _visible(actor: User, number: str, *, code: str, field: str) -> WorkOrder:
    order = orders_visible_to(actor).filter(number=number).first()
    if order is None:
        raise NotFound(code, "工单不存在", field=field)
    return order


def _chain(actor: User, parent_number: str) -> list[WorkOrder]:
    """The named parent, then its own parents while they are merged: the last is the root."""
    chain = [
        _visible(actor, parent_number, code="service.merge.parent_not_found", field="parent_number")
    ]
    while chain[-1].state == OrderState.MERGED and chain[-1].parent_id is not None:
        if len(chain) > MAX_CHAIN:
            raise Conflict("service.merge.chain_too_long", "合并关系异常，请联系管理员")
        up = orders_visible_to(actor).filter(pk=chain[-1].parent_id).first()
        if up is None:
            raise NotFound("service.merge.parent_not_found", "工单不存在", field="parent_number")
        chain.append(up)
    return chain


def _check(child: WorkOrder, root: WorkOrder) -> None:
    if root.pk == child.pk:
        raise DomainError("service.merge.self", "不能把工单合并到它自己", field="parent_number")
    if root.state not in OPEN_STATES:
        raise Conflict(
            "service.merge.parent_closed",
            f"目标工单 {root.number} 已{root.get_state_display()}，不能合并到该工单",
            field="parent_number",
            state=root.state,
        )
    child_repair, root_repair = child.order_type in REPAIR_TYPES, root.order_type in REPAIR_TYPES
    if child_repair != root_repair or (not child_repair and child.order_type != root.order_type):
        raise DomainError(
            "service.merge.type_mismatch", "只能合并同一类型的工单", field="parent_number"
        )
    if not child_repair and child.customer_id != root.customer_id:
        raise DomainError(
            "service.merge.different_customers",
            "不同客户的诉求不能合并（仅抢修工单可以跨客户合并）",
            field="parent_number",
        )


def _decide_suggestions(child: WorkOrder, *, accepted_ids: set[int]) -> None:
    """The child's open suggestions are settled: the one naming the parent (or a merged
    order on the way to it) accepted, the others declined."""
    pending = MergeSuggestion.objects.filter(order=child, decided_at__isnull=True)
    now = timezone.now()
    pending.filter(candidate_id__in=accepted_ids).update(decided_at=now, accepted=True)
    pending.filter(~Q(candidate_id__in=accepted_ids)).update(decided_at=now, accepted=False)
