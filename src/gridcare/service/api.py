"""/api/v1/service: work orders for the portal, the console and integrations (CTI, WeChat,
the assistant). Thin: parse → one service or selector → output schema; the rules live in
`service.services`, the scope in `service.selectors`."""

from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from gridcare.core.api_support import AUTH, Pages, acting_user, require_staff_perm
from gridcare.core.models import OrgUnit, User
from gridcare.core.roles import ADD_ORDERS, VIEW_ORDERS
from gridcare.core.schemas import ERRORS as BASE_ERRORS
from gridcare.core.validators import normalize_mobile
from gridcare.service import order_selectors, selectors, team_selectors
from gridcare.service.models import Category, MergeSuggestion, WorkOrder
from gridcare.service.schemas import (
    ActionIn,
    ActionPath,
    CategoryFilter,
    CategoryOut,
    EventOut,
    MergeIn,
    NoteIn,
    OrderCreateIn,
    OrderDetailOut,
    OrderErrorOut,
    OrderFilter,
    OrderNumberPath,
    OrderOut,
    SuggestionOut,
    TeamOut,
    event_out,
)
from gridcare.service.services import OrderDraft, merging, order_act, order_create
from gridcare.service.services.notes import order_note_add

router = Router(tags=["service"], auth=AUTH)
ERRORS = {**BASE_ERRORS, 409: OrderErrorOut}


def _detail(user: User, order: WorkOrder) -> OrderDetailOut:
    events = selectors.order_events(order=order, public_only=user.is_customer)
    return OrderDetailOut.build(
        order,
        events=list(events),
        allowed_actions=order_selectors.order_allowed_actions(user=user, order=order),
        for_customer=user.is_customer,
    )


def _draft(user: User, payload: OrderCreateIn) -> OrderDraft:
    """The request as intake's typed draft: mobile normalised, coordinates to the column's
    six decimal places (about 0.1 m)."""
    return OrderDraft(
        order_type=payload.order_type,
        origin=payload.origin,
        title=payload.title,
        description=payload.description,
        account_number=payload.account_number or "",
        customer_id=payload.customer_id,
        category_code=payload.category_code,
        transformer_code=payload.transformer_code or "",
        address=payload.address.strip(),
        latitude=_coordinate(payload.latitude),
        longitude=_coordinate(payload.longitude),
        contact_name=payload.contact_name.strip(),
        contact_mobile=normalize_mobile(payload.contact_mobile, field="contact_mobile")
        if payload.contact_mobile
        else "",
        interaction_id=payload.interaction_id,
        contact_data=payload.contact_data.model_dump(exclude_none=True)
        if payload.contact_data is not None
        else {},
        source_ref=payload.source_ref,
    )


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.6f}")


@router.post("/orders", response={201: OrderDetailOut, **ERRORS})
def order_create_endpoint(request: HttpRequest, payload: OrderCreateIn) -> Status[OrderDetailOut]:
    """Accept a need as an order (201). The same (`origin`, `source_ref`) again answers 201
    with the first order and stores nothing new."""
    user = acting_user(request)
    if not user.is_customer:
        require_staff_perm(user, ADD_ORDERS)
    order = order_create(actor=user, draft=_draft(user, payload))
    # Read back through the scope: an idempotent repeat only ever returns an order the
    # caller may see.
    return Status(201, _detail(user, selectors.order_get_for_user(user=user, number=order.number)))


@router.get("/orders", response={200: list[OrderOut], **ERRORS})
@paginate(Pages, page_size=20)
def order_list(request: HttpRequest, filters: Query[OrderFilter]) -> order_selectors.OrderPages:
    """The orders you may see, newest first unless `sort` says otherwise. `count` is exact
    up to 10,000; a larger result reads 10,001."""
    user = acting_user(request)
    parsed = order_selectors.OrderFilters(
        states=tuple(state for state in filters.state.split(",") if state),
        order_type=filters.order_type or "",
        origin=filters.origin or "",
        priority=filters.priority or "",
        org_unit_id=filters.org_unit,
        team_id=filters.team,
        created_from=filters.created_from,
        created_to=filters.created_to,
        q=filters.q.strip(),
        sort=filters.sort,
        overdue=filters.overdue,
        open_only=filters.open,
    )
    return order_selectors.order_inbox_pages(user=user, filters=parsed)


@router.get("/orders/{number}", response={200: OrderDetailOut, **ERRORS})
def order_detail(request: HttpRequest, number: OrderNumberPath) -> OrderDetailOut:
    """One order with its history (customers: the public part) and the actions open to you."""
    user = acting_user(request)
    return _detail(user, selectors.order_get_for_user(user=user, number=number))


@router.post("/orders/{number}/actions/{action}", response={200: OrderDetailOut, **ERRORS})
def order_action(
    request: HttpRequest, number: OrderNumberPath, action: ActionPath, payload: ActionIn
) -> OrderDetailOut:
    """Move the order on: 409 `service.order.bad_transition` (with `data.allowed`) when its
    state does not allow `action`, 409 `service.order.changed_meanwhile` when someone else
    acted first."""
    user = acting_user(request)
    order = order_act(
        actor=user,
        number=number,
        action=action,
        note=payload.note,
        team_id=payload.team_id,
        expected_version=payload.expected_version,
    )
    return _detail(user, order)


@router.post("/orders/{number}/notes", response={201: EventOut, **ERRORS})
def order_note(request: HttpRequest, number: OrderNumberPath, payload: NoteIn) -> Status[EventOut]:
    """An internal note (default) or, with `public`, a message the customer reads."""
    user = acting_user(request)
    event = order_note_add(actor=user, number=number, note=payload.note, public=payload.public)
    return Status(201, event_out(event))


@router.get("/orders/{number}/suggestions", response={200: list[SuggestionOut], **ERRORS})
def order_suggestions(request: HttpRequest, number: OrderNumberPath) -> list[MergeSuggestion]:
    """Older open orders this one may duplicate (same account, or same 台区 in a window)."""
    user = acting_user(request)
    require_staff_perm(user, VIEW_ORDERS)
    order = selectors.order_get_for_user(user=user, number=number)
    return list(order_selectors.order_merge_suggestions(user=user, order=order))


@router.post("/orders/{number}/merge", response={200: OrderDetailOut, **ERRORS})
def order_merge(request: HttpRequest, number: OrderNumberPath, payload: MergeIn) -> OrderDetailOut:
    """Merge this order (the child) into `parent_number`; its customer keeps getting the
    parent's updates."""
    user = acting_user(request)
    order = merging.order_merge(
        actor=user, number=number, parent_number=payload.parent_number, note=payload.note
    )
    return _detail(user, order)


@router.get("/categories", response={200: list[CategoryOut], **ERRORS})
def category_list(request: HttpRequest, filters: Query[CategoryFilter]) -> list[Category]:
    """The 95598 categories of one order type (the form's second level)."""
    acting_user(request)
    return list(selectors.categories_for(order_type=filters.order_type))


@router.get("/teams", response={200: list[TeamOut], **ERRORS})
def team_list(request: HttpRequest) -> list[OrgUnit]:
    """The teams (班组) of your scope with their open orders."""
    user = acting_user(request)
    require_staff_perm(user, VIEW_ORDERS)
    return list(team_selectors.teams_with_open_orders(user))
