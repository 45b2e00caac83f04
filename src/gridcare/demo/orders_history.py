"""A year of archived orders, bulk-inserted with their events and return visits.

Thousands of rows would take minutes through the one-order services, so the drafted year
(`orders_draft`) is written with `bulk_create`; numbers follow intake's format (acceptance
date + row id). Before writing, the monitoring story is laid over the draft
(`history_story`); after, the orders' SLA clocks are derived from their events
(`history_clocks`) and the year's contacts written (`history_contacts`), all in bulk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad

from gridcare.core.models import User
from gridcare.customers.services import interaction_record
from gridcare.demo.history_clocks import history_clocks_create
from gridcare.demo.history_contacts import history_contacts_create
from gridcare.demo.history_story import story_apply
from gridcare.demo.orders_draft import HistoryOrder, OrderDrafter, Premise, history_size
from gridcare.demo.orders_world import (
    CHUNK,
    AccountInfo,
    Handlers,
    accounts_info,
    contact_data,
)
from gridcare.demo.plan import DemoPlan
from gridcare.demo.topology import OrgTree
from gridcare.service.choices import (
    ORIGIN_TIMELINE_CHANNEL,
    OrderState,
    OrderType,
    Origin,
    VisitOutcome,
)
from gridcare.service.models import Category, ReturnVisit, WorkOrder, WorkOrderEvent
from gridcare.service.services.intake import order_number

BATCH_SIZE = 2_000


@dataclass
class OrdersResult:
    history: int = 0
    events: int = 0
    visits: int = 0
    clocks: int = 0
    contacts: int = 0
    live: list[WorkOrder] = field(default_factory=list)


def history_orders_create(
    *,
    tree: OrgTree,
    plan: DemoPlan,
    until: dt.date,
    end: dt.datetime,
    premises: list[Premise],
    handlers: list[Handlers],
    featured: Premise | None = None,
) -> OrdersResult:
    """Draft the year up to `end` and bulk-insert it with events and return visits."""
    drafter = OrderDrafter(seed=plan.seed, until=until, premises=premises, end=end)
    drafts = drafter.draft(history_size(plan.factor))
    story_apply(
        drafts, seed=plan.seed, until=until, end=end, storms=drafter.storms, premises=premises
    )
    if featured is not None:
        _feature(drafts, featured)
    accounts = accounts_info(sorted({d.premise.account_id for d in drafts}))
    categories = dict(Category.objects.values_list("code", "pk"))
    rng = random.Random(f"demo-order-actors:{plan.seed}")
    rows = []
    actors: list[list[User | None]] = []
    for index, draft in enumerate(drafts):
        staff = handlers[draft.premise.station]
        actors.append([staff.pick(event.role, rng) for event in draft.events])
        rows.append(
            _order_row(
                index, draft, accounts[draft.premise.account_id], tree, categories, actors[-1]
            )
        )
    orders = WorkOrder.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    _numbers_set(orders, drafts)
    merged = []
    for order, draft in zip(orders, drafts, strict=True):
        if draft.parent is not None:
            order.parent_id = orders[draft.parent].pk
            merged.append(order)
    WorkOrder.objects.bulk_update(merged, ["parent"], batch_size=CHUNK)
    events, visits = [], []
    for order, draft, who in zip(orders, drafts, actors, strict=True):
        for event, actor in zip(draft.events, who, strict=True):
            data = dict(event.data)
            if event.kind == "merge" and draft.parent is not None:
                data["parent"] = orders[draft.parent].number
            events.append(WorkOrderEvent(
                order=order, kind=event.kind, from_state=event.from_state, to_state=event.to_state,
                actor=actor, at=event.at, note=event.note, public=event.public, data=data,
            ))  # fmt: skip
        if draft.visit_channel:
            visits.append(_visit_row(order, draft, seed=plan.seed))
    WorkOrderEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    ReturnVisit.objects.bulk_create(visits, batch_size=BATCH_SIZE)
    codes = {pk: code for code, pk in categories.items()}
    clocks = history_clocks_create(orders, drafts, codes)
    contacts = history_contacts_create(
        seed=plan.seed, until=until, tree=tree, handlers=handlers, premises=premises,
        orders=orders, drafts=drafts, featured=featured,
    )  # fmt: skip
    if featured is not None:
        _featured_timeline(orders, drafts, featured)
    return OrdersResult(
        history=len(orders), events=len(events), visits=len(visits), clocks=clocks,
        contacts=contacts,
    )  # fmt: skip


def _numbers_set(orders: list[WorkOrder], drafts: list[HistoryOrder]) -> None:
    """Intake's numbers (acceptance date + row id), one UPDATE per day: a CASE per row
    (`bulk_update`) cost 7 s of the 10 s this step took at size 1."""
    days: dict[str, list[int]] = {}
    for order, draft in zip(orders, drafts, strict=True):
        order.number = order_number(created_at=draft.created_at, pk=order.pk)
        days.setdefault(order.number[:8], []).append(order.pk)
    for day, ids in days.items():
        number = Concat(Value(day), LPad(Cast("pk", CharField()), 8, Value("0")), output_field=CharField())  # fmt: skip
        for start in range(0, len(ids), CHUNK):
            WorkOrder.objects.filter(pk__in=ids[start : start + CHUNK]).update(number=number)


def _order_row(
    index: int,
    draft: HistoryOrder,
    account: AccountInfo,
    tree: OrgTree,
    categories: dict[str, int],
    actors: list[User | None],
) -> WorkOrder:
    station = draft.premise.station
    team = {"repair": tree.teams[station][0], "general": tree.teams[station][1]}.get(draft.team)
    takers = [a for a, e in zip(actors, draft.events, strict=True) if e.kind == "take"]
    last = draft.events[-1].at
    moves = sum(1 for e in draft.events[1:] if e.to_state)
    return WorkOrder(
        number=f"demo-{index}",
        order_type=draft.order_type,
        category_id=categories.get(draft.category_code),
        origin=draft.origin,
        state=draft.state,
        priority=draft.priority,
        title=draft.title,
        customer_id=account.customer_id,
        account_id=draft.premise.account_id,
        contact_name=account.name,
        contact_mobile=account.mobile,
        address=account.address,
        transformer_id=draft.premise.transformer_id,
        feeder_id=draft.premise.feeder_id,
        area_class=draft.premise.area_class,
        org_unit=tree.stations[station],
        team=team,
        assignee=takers[-1] if takers else None,
        created_by=actors[0],
        created_at=draft.created_at,
        updated_at=last,
        resolved_at=draft.resolved_at,
        closed_at=draft.closed_at,
        version=moves,
        data={"demo": "history"},
    )


def _visit_row(order: WorkOrder, draft: HistoryOrder, *, seed: int) -> ReturnVisit:
    started = next(e.at for e in draft.events if e.kind == "start_visit")
    rated = next((e.at for e in draft.events if e.kind == "rated"), None)
    if draft.rating is None:
        outcome = VisitOutcome.NO_ANSWER
    else:
        outcome = VisitOutcome.SATISFIED if draft.rating >= 3 else VisitOutcome.ESCALATED
    digest = hashlib.sha256(f"demo-visit:{seed}:{order.number}".encode()).hexdigest()
    return ReturnVisit(
        order=order, channel=draft.visit_channel, token_digest=digest, sent_at=started,
        due_at=started + dt.timedelta(days=3), rating=draft.rating,
        comment=draft.rating_comment, responded_at=rated, outcome=outcome,
    )  # fmt: skip


def _feature(drafts: list[HistoryOrder], featured: Premise) -> None:
    """Give the demo customer three orders of the year: a summer repair, a billing
    consultation and an application, so their portal shows a history."""
    wanted = [
        (OrderType.FAULT_REPAIR, lambda d: d.created_at.month == 7 and d.state == OrderState.ARCHIVED),
        (OrderType.CONSULTATION, lambda d: d.state == OrderState.ARCHIVED),
        (OrderType.SERVICE_REQUEST, lambda d: d.state == OrderState.ARCHIVED),
    ]  # fmt: skip
    for order_type, test in wanted:
        match = [d for d in drafts if d.order_type == order_type and test(d)]
        if match:
            match[len(match) // 2].premise = featured


def _featured_timeline(
    orders: list[WorkOrder], drafts: list[HistoryOrder], featured: Premise
) -> None:
    for order, draft in zip(orders, drafts, strict=True):
        if draft.premise is not featured:
            continue
        interaction_record(
            actor=None, customer_id=order.customer_id or 0, account_id=order.account_id,
            channel=ORIGIN_TIMELINE_CHANNEL[Origin(order.origin)], direction="inbound",
            summary=f"{order.get_order_type_display()}：{order.title}",
            occurred_at=order.created_at, links={"work_order": order.number},
            external_id=f"work-order:{order.number}",
            data=contact_data(order.origin, order.number),
        )  # fmt: skip
