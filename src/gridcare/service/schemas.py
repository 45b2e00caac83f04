"""API shapes for work orders (/api/v1/service). Personal data leaves masked by default:
the customer's and the contact's name, the contact's mobile and the house numbers of the
address."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema
from pydantic import BeforeValidator

from gridcare.core.api_support import WithExtras
from gridcare.core.models import OrgUnit, User
from gridcare.core.privacy import mask_address_detail, mask_mobile, mask_name
from gridcare.core.schemas import NO_NUL, NOT_BLANK, ErrorOut, StrictIn, coded
from gridcare.customers.schemas import MOBILE, AccountNumber, InteractionDataIn
from gridcare.service.choices import OrderState, OrderType, Origin, Priority
from gridcare.service.lifecycle import ACTIONS
from gridcare.service.models import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    Category,
    MergeSuggestion,
    WorkOrder,
    WorkOrderEvent,
)
from gridcare.service.order_selectors import SORTS
from gridcare.service.sla_selectors import ClockStatus, order_clock_statuses, order_sla

#: One line of text: no control characters (NUL, line breaks, escapes).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
#: 工单编号: the Beijing date of acceptance and the row id, at least 8 digits.
ORDER_NUMBER = r"^[0-9]{16,20}$"
#: Text of several lines with at least one visible character (what `str.strip()` keeps;
#: the blank set is core.schemas' `NOT_BLANK` one).
VISIBLE_TEXT = (
    r"^[^\x00]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$"
)
#: The largest id a bigint column holds.
MAX_ID = 2**63 - 1
_STATE = "|".join(OrderState.values)
STATE_LIST = rf"^(({_STATE})(,({_STATE}))*)?$"
#: Actions taken through POST …/actions/{action}; a merge needs its parent (POST …/merge).
PATH_ACTIONS = tuple(action for action in ACTIONS if action != "merge")

OrderNumber = Annotated[
    str,
    Field(pattern=ORDER_NUMBER, max_length=20),
    coded("service.order.number_invalid", "工单编号应为 16 到 20 位数字"),
]
OrderNumberPath = Path[OrderNumber]
ActionPath = Path[
    Annotated[
        Literal[PATH_ACTIONS],  # type: ignore[valid-type]
        coded("service.order.unknown_action", "未知操作，可用的操作：" + "、".join(PATH_ACTIONS)),
    ]
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def iso_day(value: Any) -> Any:
    """Pydantic reads `0` and `1700000000` as dates (Unix time); the document says
    `format: date`, so a query value must be written YYYY-MM-DD."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("not a YYYY-MM-DD date")
    return value


#: A calendar day in a query (`?created_from=2026-12-01`).
Day = Annotated[dt.date, BeforeValidator(iso_day)]


class OrderErrorOut(ErrorOut):
    """An error of the order endpoints; a 409 carries `data`: the order's `state` and, for an
    action its state does not allow, the `allowed` ones."""

    data: dict[str, Any] | None = None


# --- Input ---


def _location_rule() -> dict[str, Any]:
    # Intake must find the answerable unit: from the 户号, the customer or the 台区.
    return {"anyOf": [{"required": [name]} for name in LOCATION_FIELDS]}


LOCATION_FIELDS = ("account_number", "customer_id", "transformer_code")


def _contact_data_rule(origin: str, fields: list[str]) -> dict[str, Any]:
    """JSON Schema: an order from `origin` with no linked contact (`interaction_id`) brings
    the call's or the counter visit's data (customers' timeline rule)."""
    return {
        "if": {
            "properties": {"origin": {"const": origin}},
            "required": ["origin"],
            "not": {"required": ["interaction_id"]},
        },
        "then": {
            "required": ["contact_data"],
            "properties": {"contact_data": {"required": fields}},
        },
    }


class OrderCreateIn(StrictIn):
    """A need to accept as an order. One of `account_number`, `customer_id` and
    `transformer_code` says where it belongs. A customer files on their bound accounts
    through web, h5, wechat, alipay or assistant only. An order from the hotline or the
    business hall that does not name its `interaction_id` brings the call's or the visit's
    `contact_data`. The same (`origin`, `source_ref`) again returns the first order."""

    model_config = StrictIn.model_config | {
        "json_schema_extra": {
            "allOf": [
                _location_rule(),
                _contact_data_rule(Origin.HOTLINE, ["recording_ref", "duration_seconds"]),
                _contact_data_rule(
                    Origin.BUSINESS_HALL, ["queue_number", "wait_seconds", "service_seconds"]
                ),
            ]
        }
    }

    order_type: OrderType
    origin: Origin
    title: Annotated[
        str,
        Field(min_length=1, max_length=TITLE_MAX, pattern=NOT_BLANK),
        coded(
            "service.order.title_required",
            "请填写诉求标题",
            string_too_long=("service.order.title_too_long", f"标题不能超过 {TITLE_MAX} 字"),
        ),
    ]
    description: Annotated[
        str,
        Field(max_length=DESCRIPTION_MAX, pattern=NO_NUL),
        coded("service.order.description_too_long", f"描述不能超过 {DESCRIPTION_MAX} 字"),
    ] = ""
    account_number: AccountNumber = Field(None)  # type: ignore[assignment]
    customer_id: Id = Field(None)  # type: ignore[assignment]
    transformer_code: str = Field(None, min_length=1, max_length=32, pattern=NOT_BLANK)  # type: ignore[assignment]
    category_code: str = Field("", max_length=64, pattern=ONE_LINE)
    address: str = Field("", max_length=200, pattern=ONE_LINE)
    latitude: Annotated[
        float,
        Field(ge=-90, le=90, allow_inf_nan=False),
        coded("service.order.bad_latitude", "纬度应在 -90 到 90 之间"),
    ] = Field(None)  # type: ignore[assignment]
    longitude: Annotated[
        float,
        Field(ge=-180, le=180, allow_inf_nan=False),
        coded("service.order.bad_longitude", "经度应在 -180 到 180 之间"),
    ] = Field(None)  # type: ignore[assignment]
    contact_name: str = Field("", max_length=100, pattern=ONE_LINE)
    contact_mobile: Annotated[
        str,
        Field(pattern=rf"{MOBILE}|^$"),
        coded("core.mobile.invalid", "手机号格式不正确，应为 11 位数字"),
    ] = ""
    interaction_id: Id = Field(None)  # type: ignore[assignment]
    contact_data: InteractionDataIn = Field(None)  # type: ignore[assignment]
    source_ref: str = Field("", max_length=128, pattern=ONE_LINE)


class OrderFilter(Schema):
    """GET /service/orders: every filter narrows the orders you may see."""

    state: Annotated[
        str,
        Field(pattern=STATE_LIST, description="Comma-separated states (accepted,dispatched)"),
        coded("service.order.bad_state_filter", "参数 state 应为以逗号分隔的工单状态"),
    ] = ""
    order_type: OrderType | None = None
    origin: Origin | None = None
    priority: Priority | None = None
    org_unit: Id | None = Field(None, description="An org unit id: its orders and its subtree's")
    team: Id | None = Field(None, description="A team's id")
    created_from: Day | None = Field(
        None, description="First Beijing day of acceptance (YYYY-MM-DD)"
    )
    created_to: Day | None = Field(
        None, description="Last Beijing day of acceptance (YYYY-MM-DD), inclusive"
    )
    q: Annotated[
        str,
        Field(max_length=100, pattern=ONE_LINE),
        coded(
            "request.param.bad_text",
            "参数 q 不能包含控制字符",
            string_too_long=("request.param.too_long", "参数 q 最多 100 个字符"),
        ),
    ] = Field("", description="An order number (or its first digits) or words of the title")
    sort: Literal[tuple(SORTS)] = "-created_at"  # type: ignore[valid-type]
    overdue: bool = Field(False, description="Only orders with a running clock past its deadline")
    open: bool = Field(False, description="Only orders still being worked on (accepted … arrived)")


class CategoryFilter(Schema):
    order_type: OrderType


class ActionIn(StrictIn):
    """`team_id` for dispatch and reassign; `note` (the reason) for send_back, cancel and
    reopen; `expected_version` (the `version` you read) refuses the action with 409 if the
    order changed since."""

    note: str = Field("", max_length=DESCRIPTION_MAX, pattern=NO_NUL)
    team_id: Id | None = None
    expected_version: int | None = Field(None, ge=0, le=2**31 - 1)


class NoteIn(StrictIn):
    note: Annotated[
        str,
        Field(min_length=1, max_length=DESCRIPTION_MAX, pattern=VISIBLE_TEXT),
        coded(
            "service.order.note_required",
            "请填写备注内容",
            string_too_long=("service.order.note_too_long", f"备注不能超过 {DESCRIPTION_MAX} 字"),
        ),
    ]
    public: bool = Field(False, description="Shown to the customer (default: internal)")


class MergeIn(StrictIn):
    parent_number: OrderNumber
    note: str = Field("", max_length=DESCRIPTION_MAX, pattern=NO_NUL)


# --- Output ---


class UnitOut(Schema):
    id: int
    code: str
    name: str


class ClockOut(Schema):
    """One service commitment's clock. `remaining_seconds` is negative once overdue;
    `provisional`: the deadline rests on a year whose calendar has not been entered yet
    (it is recomputed when it is)."""

    clock: str
    unit: str
    limit: int
    deadline: dt.datetime
    remaining_seconds: int
    state: str
    provisional: bool

    @staticmethod
    def of(status: ClockStatus) -> ClockOut:
        return ClockOut(
            clock=status.clock,
            unit=status.unit,
            limit=status.limit,
            deadline=status.deadline,
            remaining_seconds=int(status.remaining.total_seconds()),
            state=status.state,
            provisional=status.provisional,
        )


class OrderOut(Schema):
    """An order in a list. `version` goes back as `expected_version` with an action;
    `sla` is its most urgent commitment (none for an order without clocks)."""

    number: str
    order_type: str
    category: str | None
    origin: str
    state: str
    priority: str
    title: str
    org_unit: UnitOut
    team: UnitOut | None
    assignee: str | None
    account_number: str | None
    customer_name_masked: str
    waiting: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    sla: ClockOut | None

    @staticmethod
    def resolve_sla(obj: WorkOrder) -> ClockOut | None:
        status = order_sla(obj)
        return ClockOut.of(status) if status is not None else None

    @staticmethod
    def resolve_category(obj: WorkOrder) -> str | None:
        return obj.category.code if obj.category is not None else None

    @staticmethod
    def resolve_assignee(obj: WorkOrder) -> str | None:
        return str(obj.assignee) if obj.assignee is not None else None

    @staticmethod
    def resolve_account_number(obj: WorkOrder) -> str | None:
        return obj.account.number if obj.account is not None else None

    @staticmethod
    def resolve_customer_name_masked(obj: WorkOrder) -> str:
        return mask_name(obj.customer.name) if obj.customer is not None else ""

    @staticmethod
    def resolve_waiting(obj: WorkOrder) -> bool:
        return obj.waiting_since is not None


class EventOut(Schema):
    """One step of the order's history. Customers see public events only, without the
    staff member's name."""

    id: int
    kind: str
    from_state: str
    to_state: str
    at: dt.datetime
    actor: str | None
    note: str
    public: bool


class OrderDetailOut(OrderOut):
    description: str
    address_masked: str
    latitude: float | None
    longitude: float | None
    contact_name_masked: str
    contact_mobile_masked: str
    transformer: str | None
    area_class: str
    parent: str | None
    risk_score: int | None
    risk_reasons: list[Any]
    waiting_since: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    allowed_actions: list[str]
    events: list[EventOut]
    #: Every SLA clock of the order, most urgent first.
    commitments: list[ClockOut]

    @staticmethod
    def resolve_address_masked(obj: WorkOrder) -> str:
        return mask_address_detail(obj.address)

    @staticmethod
    def resolve_contact_name_masked(obj: WorkOrder) -> str:
        return mask_name(obj.contact_name)

    @staticmethod
    def resolve_contact_mobile_masked(obj: WorkOrder) -> str:
        return mask_mobile(obj.contact_mobile)

    @staticmethod
    def resolve_transformer(obj: WorkOrder) -> str | None:
        return obj.transformer.code if obj.transformer is not None else None

    @staticmethod
    def resolve_parent(obj: WorkOrder) -> str | None:
        return obj.parent.number if obj.parent is not None else None

    @staticmethod
    def build(
        order: WorkOrder,
        *,
        events: list[WorkOrderEvent],
        allowed_actions: list[str],
        for_customer: bool,
    ) -> OrderDetailOut:
        """The detail as `order`'s viewer may see it: customers get no risk assessment and
        no staff names on events."""
        detail = WithExtras(
            order,
            allowed_actions=allowed_actions,
            commitments=[ClockOut.of(status) for status in order_clock_statuses(order)],
            events=[_event(event, for_customer=for_customer) for event in events],
            risk_score=None if for_customer else order.risk_score,
            risk_reasons=[] if for_customer else list(order.risk_reasons),
        )
        return OrderDetailOut.from_orm(detail)


def _event(event: WorkOrderEvent, *, for_customer: bool) -> EventOut:
    actor: User | None = event.actor
    return EventOut(
        id=event.pk,
        kind=event.kind,
        from_state=event.from_state,
        to_state=event.to_state,
        at=event.at,
        actor=None if actor is None or for_customer else str(actor),
        note=event.note,
        public=event.public,
    )


def event_out(event: WorkOrderEvent) -> EventOut:
    return _event(event, for_customer=False)


class CategoryOut(Schema):
    code: str
    order_type: str
    parent: str | None
    name_zh: str
    name_en: str

    @staticmethod
    def resolve_parent(obj: Category) -> str | None:
        return obj.parent.code if obj.parent is not None else None


class TeamOut(Schema):
    id: int
    code: str
    name: str
    station: str | None
    open_orders: int

    @staticmethod
    def resolve_station(obj: OrgUnit) -> str | None:
        return obj.parent.name if obj.parent is not None else None


class SuggestionOut(Schema):
    """A possible duplicate: `candidate` (older) may be the same need as this order."""

    candidate: str
    candidate_title: str
    candidate_state: str
    candidate_created_at: dt.datetime
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_candidate(obj: MergeSuggestion) -> str:
        return obj.candidate.number

    @staticmethod
    def resolve_candidate_title(obj: MergeSuggestion) -> str:
        return obj.candidate.title

    @staticmethod
    def resolve_candidate_state(obj: MergeSuggestion) -> str:
        return obj.candidate.state

    @staticmethod
    def resolve_candidate_created_at(obj: MergeSuggestion) -> dt.datetime:
        return obj.candidate.created_at
