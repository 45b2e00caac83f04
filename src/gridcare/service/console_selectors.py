"""Reads behind the console's order screens: the order inbox with its filters, one order
with what its reader may do, the dispatcher board, the crew's list, and what a contact
(a conversation, a call) needs to become an order. Each starts from the scoped readers
in `service.selectors`, so a page never shows what the reader's API would refuse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from gridcare.contact import selectors as contact_selectors
from gridcare.contact.choices import Speaker
from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit, User
from gridcare.customers.choices import InteractionChannel, InteractionDirection
from gridcare.customers.selectors import customer_timeline
from gridcare.service import order_selectors, sla_selectors
from gridcare.service.choices import OPEN_STATES, OrderState, Origin
from gridcare.service.models import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    Attachment,
    Category,
    WorkOrder,
    WorkOrderEvent,
)
from gridcare.service.order_selectors import OrderFilters
from gridcare.service.selectors import (
    categories_for,
    order_events,
    orders_visible_to,
    teams_in_scope,
)
from gridcare.service.services.dispatch import TeamSuggestion, team_suggestions
from gridcare.service.sla_selectors import with_clocks

__all__ = [
    "DESCRIPTION_MAX",
    "TITLE_MAX",
]

CHINA = dt.timezone(dt.timedelta(hours=8))

#: The states a field crew works in (the crew phone page lists these).
CREW_STATES = (OrderState.DISPATCHED, OrderState.TAKEN, OrderState.ARRIVED)
#: Actions the console offers as buttons; `merge` needs the parent order and has its own
#: screen (order_merge), so it is never a plain button.
BUTTON_EXCLUDED = frozenset({"merge"})

#: The order origin of a conversation, by its channel (customers.InteractionChannel).
#: Web chat is the portal's chat, on a desktop or a phone browser alike: `web`. An SMS
#: conversation is a customer texting from a phone with no app: the nearest origin is
#: `h5` (the phone channel), and the order links the SMS timeline entry itself, so the
#: timeline still says SMS. `app` → `h5` for the same reason; the assistant's hand-over
#: keeps `assistant`.
CONVERSATION_ORIGIN: dict[str, str] = {
    InteractionChannel.WEB_CHAT: Origin.WEB,
    InteractionChannel.PORTAL: Origin.WEB,
    InteractionChannel.WECHAT: Origin.WECHAT,
    InteractionChannel.ALIPAY: Origin.ALIPAY,
    InteractionChannel.SMS: Origin.H5,
    InteractionChannel.APP: Origin.H5,
    InteractionChannel.CHATBOT: Origin.ASSISTANT,
}


# --- The order inbox -------------------------------------------------------------------


def order_inbox(*, user: User, filters: OrderFilters, now: dt.datetime) -> QuerySet[WorkOrder]:
    """The inbox (order_selectors.order_inbox) with each order's clocks, for the live timers."""
    return with_clocks(order_selectors.order_inbox(user=user, filters=filters, now=now))


def teams_of(*, user: User) -> list[OrgUnit]:
    """The teams in the reader's scope, by code (the inbox's team filter)."""
    return list(teams_in_scope(user).order_by("code"))


def order_sla(*, order: WorkOrder, now: dt.datetime) -> Any:
    """The order's most urgent SLA clock as a status (deadline, remaining, state,
    provisional), or None for an order without clocks."""
    return sla_selectors.order_sla(order, now)


@dataclass(frozen=True)
class OrderRow:
    order: WorkOrder
    sla: Any


def order_rows(*, orders: list[WorkOrder], now: dt.datetime) -> list[OrderRow]:
    """One inbox row per order with its SLA status, for a page of orders."""
    return [OrderRow(order=order, sla=order_sla(order=order, now=now)) for order in orders]


# --- One order -------------------------------------------------------------------------


def order_actions_for(*, user: User, order: WorkOrder) -> list[str]:
    """The buttons on an order: what `user` may do now (order_selectors), less the actions
    that have a screen of their own."""
    allowed = order_selectors.order_allowed_actions(user=user, order=order)
    return [action for action in allowed if action not in BUTTON_EXCLUDED]


@dataclass(frozen=True)
class OrderDetail:
    order: WorkOrder
    events: list[WorkOrderEvent]
    attachments: list[Attachment]
    actions: list[str]
    teams: list[OrgUnit]
    sla: Any


def order_detail(*, user: User, order: WorkOrder, now: dt.datetime) -> OrderDetail:
    """Everything the order page shows; staff see internal notes too. `order` comes from
    `order_get_for_user`, so the scope is already checked."""
    actions = order_actions_for(user=user, order=order)
    needs_team = {"dispatch", "reassign"} & set(actions)
    return OrderDetail(
        order=order,
        events=list(order_events(order=order)),
        attachments=list(order.attachments.select_related("uploaded_by")),
        actions=actions,
        teams=list(_teams_of_order(user, order)) if needs_team else [],
        sla=order_sla(order=order, now=now),
    )


def _teams_of_order(user: User, order: WorkOrder) -> QuerySet[OrgUnit]:
    """Teams in the reader's scope under the order's answerable station (the only ones
    order_act accepts)."""
    station = order.org_unit
    return teams_in_scope(user).filter(path__startswith=station.path).order_by("code")


# --- Dispatcher board ------------------------------------------------------------------


@dataclass(frozen=True)
class TeamLoad:
    team: OrgUnit
    open_orders: int


@dataclass(frozen=True)
class BoardRow:
    order: WorkOrder
    sla: Any
    suggestions: list[TeamSuggestion]
    teams: list[OrgUnit]

    @property
    def suggested_team_id(self) -> int | None:
        return self.suggestions[0].team.pk if self.suggestions else None


#: The board shows this many orders waiting, oldest first; the inbox has the rest.
BOARD_SIZE = 50


def team_loads(*, user: User) -> list[TeamLoad]:
    """The teams the reader may dispatch to, with their open orders (their load)."""
    teams = teams_in_scope(user).annotate(
        load=Count("team_work_orders", filter=Q(team_work_orders__state__in=OPEN_STATES))
    )
    return [TeamLoad(team=t, open_orders=t.load) for t in teams.order_by("code")]


def dispatch_board(*, user: User, now: dt.datetime) -> list[BoardRow]:
    """Accepted orders waiting for a team, oldest first, each with the suggested teams and
    the teams of its station to choose from."""
    waiting = orders_visible_to(user).filter(state=OrderState.ACCEPTED)
    orders = list(with_clocks(waiting.order_by("created_at", "id"))[:BOARD_SIZE])
    teams = list(teams_in_scope(user).order_by("code"))
    rows = []
    for order in orders:
        station = order.org_unit.path
        rows.append(
            BoardRow(
                order=order,
                sla=order_sla(order=order, now=now),
                suggestions=team_suggestions(order=order),
                teams=[team for team in teams if team.path.startswith(station)],
            )
        )
    return rows


# --- Crew phone page -------------------------------------------------------------------


def crew_team(*, user: User) -> OrgUnit | None:
    """The team (班组) the user belongs to, or None for staff of a station or bureau."""
    unit = user.org_unit
    return unit if unit is not None and unit.kind == OrgUnitKind.TEAM else None


def crew_orders(*, user: User) -> QuerySet[WorkOrder]:
    """My team's orders in the field states (dispatched, taken, arrived), oldest first."""
    team = crew_team(user=user)
    if team is None:
        return WorkOrder.objects.none()
    orders = orders_visible_to(user).filter(team=team, state__in=CREW_STATES)
    return with_clocks(orders.order_by("created_at", "id"))


def order_events_latest(*, order: WorkOrder) -> list[WorkOrderEvent]:
    """The order's events newest first (the crew page shows the latest on top)."""
    return list(order_events(order=order).order_by("-at", "-id")[:20])


# --- From a contact to an order --------------------------------------------------------


@dataclass(frozen=True)
class CategoryGroup:
    group: Category
    children: list[Category]


def category_groups(*, order_type: str) -> list[CategoryGroup]:
    """The active categories of an order type as the intake forms list them: each level-1
    group with its sub-categories (an order is filed under a sub-category)."""
    found = list(categories_for(order_type=order_type))
    groups = [c for c in found if c.parent_id is None]
    return [
        CategoryGroup(group=g, children=[c for c in found if c.parent_id == g.pk]) for g in groups
    ]


@dataclass(frozen=True)
class ConversationIntake:
    """What the inbox's 转工单 form starts from: the origin the conversation's channel gives,
    a title from the customer's last message, and the timeline entry to link."""

    customer_id: int
    origin: str
    title: str
    interaction_id: int | None
    source_ref: str


def conversation_intake(*, user: User, conversation_id: int) -> ConversationIntake:
    """NotFound outside the reader's area (the conversation's own rule)."""
    conversation = contact_selectors.conversation_get_for_user(
        user=user, conversation_id=conversation_id
    )
    lines = contact_selectors.conversation_messages(conversation=conversation)
    last = lines.filter(speaker=Speaker.CUSTOMER).order_by("-at", "-id").first()
    return ConversationIntake(
        customer_id=conversation.customer_id,
        origin=CONVERSATION_ORIGIN.get(conversation.channel, Origin.WEB),
        title=(last.text.strip().splitlines() or [""])[0][:60] if last else "",
        interaction_id=_conversation_interaction(user, conversation),
        source_ref=f"conversation:{conversation.pk}",
    )


def _conversation_interaction(user: User, conversation: Any) -> int | None:
    """The customer's newest inbound timeline entry of this conversation: web chat entries
    name their conversation; platform messages (WeChat, Alipay, SMS) are the channel's
    inbound entries since the conversation opened."""
    entries = customer_timeline(
        user=user,
        customer_id=conversation.customer_id,
        channels=[conversation.channel],
        direction=InteractionDirection.INBOUND,
    )
    if conversation.channel == InteractionChannel.WEB_CHAT:
        entries = entries.filter(links__conversation=conversation.pk)
    else:
        entries = entries.filter(occurred_at__gte=conversation.opened_at)
    return entries.values_list("pk", flat=True).first()
