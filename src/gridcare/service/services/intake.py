"""Order intake: every channel's need becomes one `WorkOrder`, on the customer's timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import Conflict, DomainError, NotFound, PermissionDeniedError
from gridcare.core.models import OrgUnit, User
from gridcare.core.selectors import org_unit_scope_root, org_units_in_scope
from gridcare.customers.models import Account
from gridcare.customers.selectors import accounts_visible_to, customers_visible_to
from gridcare.customers.services import interaction_link, interaction_record
from gridcare.grid.models import Transformer
from gridcare.service.choices import (
    ORIGIN_TIMELINE_CHANNEL,
    AreaClass,
    EventKind,
    OrderState,
    OrderType,
    Origin,
)
from gridcare.service.models import DESCRIPTION_MAX, TITLE_MAX, Category, WorkOrder, WorkOrderEvent
from gridcare.service.selectors import orders_visible_to
from gridcare.service.services import hooks

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class OrderDraft:
    """What intake needs; every field already parsed to its type at the edge."""

    order_type: str
    origin: str
    title: str
    description: str = ""
    account_number: str = ""
    customer_id: int | None = None
    category_code: str = ""
    transformer_code: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_name: str = ""
    contact_mobile: str = ""
    #: The contact this order came from (a hotline call, a counter visit, a chat).
    interaction_id: int | None = None
    #: Call or counter data when no interaction exists yet (customers.timeline CHANNEL_DATA).
    contact_data: dict[str, Any] = field(default_factory=dict)
    #: Whether a hotline or counter order must bring its call's or visit's data (an order
    #: filed for the customer from another system has none to give).
    contact_data_required: bool = True
    #: The channel's own key (a CTI call id, a conversation id): the same key twice is one order.
    source_ref: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def order_create(*, actor: User, draft: OrderDraft) -> WorkOrder:
    """Accept a need as an order: checked whole before anything is written; the same
    (origin, source_ref) again returns the first order."""
    _check_draft(draft)
    _check_origin(actor, draft)
    return _create(actor, draft)


@transaction.atomic
def order_create_as_system(*, draft: OrderDraft) -> WorkOrder:
    """An order GridCare opens by itself (origin `system`, e.g. billing's disconnection and
    reconnection requests): no acting user (events and audit say "system"), no reader's
    scope, not put on the customer's timeline (no contact of theirs). Same checks, hooks and
    (origin, source_ref) idempotency as `order_create`."""
    _check_draft(draft)
    if draft.origin != Origin.SYSTEM:
        raise DomainError("service.order.bad_origin", "系统工单的来源应为 system", field="origin")
    if not draft.source_ref:
        raise DomainError(
            "service.order.source_ref_required", "系统工单需要来源编号", field="source_ref"
        )
    return _create(None, draft)


def _create(actor: User | None, draft: OrderDraft) -> WorkOrder:
    if draft.source_ref and (found := _already_accepted(actor, draft)) is not None:
        return found
    account = _account(actor, draft)
    customer_id = _customer_id(actor, draft, account)
    transformer = _transformer(draft, account)
    order = WorkOrder(
        number=_provisional_number(),
        order_type=draft.order_type,
        category=_category(draft),
        origin=draft.origin,
        title=draft.title.strip(),
        description=draft.description.strip(),
        customer_id=customer_id,
        account=account,
        contact_name=draft.contact_name,
        contact_mobile=draft.contact_mobile,
        address=draft.address or (_premise_address(account) if account else ""),
        latitude=draft.latitude,
        longitude=draft.longitude,
        transformer=transformer,
        feeder_id=transformer.feeder_id if transformer else None,
        area_class=_area_class(transformer),
        org_unit=_org_unit(actor, account, transformer),
        source_ref=draft.source_ref,
        data=draft.data,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:  # the same source_ref accepted concurrently
        return WorkOrder.objects.get(origin=draft.origin, source_ref=draft.source_ref)
    order.number = order_number(created_at=order.created_at, pk=order.pk)
    order.save(update_fields=["number"])
    event = WorkOrderEvent.objects.create(
        order=order, kind=EventKind.CREATED, to_state=OrderState.ACCEPTED, actor=actor
    )
    _timeline(actor, order, draft)
    audit_record(actor=actor, action="service.order.create", obj=order)
    hooks.after_create(order=order, event=event)
    return order


#: The channels a customer files through themselves; the hotline, the counter and the
#: self-service terminal are staff-operated.
CUSTOMER_ORIGINS = frozenset(
    {Origin.WEB, Origin.H5, Origin.WECHAT, Origin.ALIPAY, Origin.ASSISTANT}
)


def _check_origin(actor: User, draft: OrderDraft) -> None:
    if draft.origin == Origin.SYSTEM:
        raise PermissionDeniedError(
            "service.order.origin_not_allowed", "只有系统可以创建系统来源的工单", field="origin"
        )
    if actor.is_customer and draft.origin not in CUSTOMER_ORIGINS:
        raise PermissionDeniedError(
            "service.order.origin_not_allowed",
            "客户只能通过网站、H5、微信、支付宝或智能助手提交工单",
            field="origin",
        )


def _already_accepted(actor: User | None, draft: OrderDraft) -> WorkOrder | None:
    """The order this (origin, source_ref) already became. Someone who may not see that
    order learns nothing about it: the key is refused as taken (409), not answered."""
    found = WorkOrder.objects.filter(origin=draft.origin, source_ref=draft.source_ref).first()
    if found is None or actor is None:
        return found
    if not orders_visible_to(actor).filter(pk=found.pk).exists():
        raise Conflict("service.order.source_ref_taken", "该来源编号已被使用", field="source_ref")
    return found


def _check_draft(draft: OrderDraft) -> None:
    if draft.order_type not in OrderType.values:
        raise DomainError("service.order.bad_type", "未知的工单类型", field="order_type")
    if draft.origin not in Origin.values:
        raise DomainError("service.order.bad_origin", "未知的受理渠道", field="origin")
    if not draft.title.strip():
        raise DomainError("service.order.title_required", "请填写诉求标题", field="title")
    if len(draft.title) > TITLE_MAX:
        raise DomainError(
            "service.order.title_too_long", f"标题不能超过 {TITLE_MAX} 字", field="title"
        )
    if len(draft.description) > DESCRIPTION_MAX:
        raise DomainError(
            "service.order.description_too_long",
            f"描述不能超过 {DESCRIPTION_MAX} 字",
            field="description",
        )
    if not draft.account_number and draft.customer_id is None and not draft.transformer_code:
        raise DomainError(
            "service.order.location_required",
            "请提供户号、客户或台区之一，以便确定责任单位",
            field="account_number",
        )


def _account(actor: User | None, draft: OrderDraft) -> Account | None:
    if not draft.account_number:
        return None
    accounts = Account.objects.all() if actor is None else accounts_visible_to(actor)
    account = accounts.filter(number=draft.account_number).first()
    if account is None:
        raise NotFound("service.account.not_found", "户号不存在", field="account_number")
    return account


def _customer_id(actor: User | None, draft: OrderDraft, account: Account | None) -> int | None:
    if account is not None:
        if draft.customer_id is not None and draft.customer_id != account.customer_id:
            raise DomainError(
                "service.order.account_mismatch", "户号不属于该客户", field="account_number"
            )
        return account.customer_id
    if draft.customer_id is None or actor is None:
        return draft.customer_id
    if actor.is_customer or not customers_visible_to(actor).filter(pk=draft.customer_id).exists():
        raise NotFound("service.customer.not_found", "客户不存在", field="customer_id")
    return draft.customer_id


def _transformer(draft: OrderDraft, account: Account | None) -> Transformer | None:
    if draft.transformer_code:
        transformer = Transformer.objects.filter(code=draft.transformer_code).first()
        if transformer is None:
            raise NotFound("service.transformer.not_found", "台区不存在", field="transformer_code")
        return transformer
    if account is None:
        return None
    link = account.meter_links.select_related("meter__transformer").first()
    return link.meter.transformer if link and link.meter.transformer_id else None


def _category(draft: OrderDraft) -> Category | None:
    if not draft.category_code:
        return None
    category = Category.objects.filter(code=draft.category_code, active=True).first()
    if category is None or category.order_type != draft.order_type:
        raise DomainError(
            "service.order.bad_category", "该分类不属于此工单类型", field="category_code"
        )
    return category


def _area_class(transformer: Transformer | None) -> str:
    value = transformer.area_class if transformer else ""
    return value if value in AreaClass.values else AreaClass.URBAN


def _org_unit(
    actor: User | None, account: Account | None, transformer: Transformer | None
) -> OrgUnit:
    """The answerable station: the account's, else the 台区's, else the staff member's own."""
    if account is not None:
        return account.supply_unit
    if transformer is not None and transformer.org_unit_id is not None:
        unit = transformer.org_unit
        if actor is None or actor.is_customer:
            return unit
        if not org_units_in_scope(actor).filter(pk=unit.pk).exists():
            raise PermissionDeniedError(
                "service.order.out_of_scope", "该台区不在您的管辖范围内", field="transformer_code"
            )
        return unit
    if actor is not None and not actor.is_customer and actor.org_unit is not None:
        return org_unit_scope_root(actor.org_unit)
    raise DomainError(
        "service.order.no_unit", "无法确定责任单位，请提供户号或台区", field="account_number"
    )


def _premise_address(account: Account) -> str:
    p = account.premise
    return f"{p.city}{p.district}{p.street}{p.detail}"


def _provisional_number() -> str:
    return f"tmp-{timezone.now().timestamp():.6f}"[:20]


def order_number(*, created_at: dt.datetime, pk: int) -> str:
    """工单编号: 年月日 (Beijing) + the row id: unique, sortable, readable over the phone."""
    return f"{created_at.astimezone(CHINA):%Y%m%d}{pk:08d}"


def _timeline(actor: User | None, order: WorkOrder, draft: OrderDraft) -> None:
    """Put the order on the customer's timeline (or link the contact it came from); a
    system order is no contact of the customer's."""
    if order.customer_id is None or actor is None:
        return
    links = {"work_order": order.number}
    if draft.interaction_id is not None:
        interaction_link(
            customer_id=order.customer_id, interaction_id=draft.interaction_id, links=links
        )
        return
    interaction_record(
        actor=actor,
        customer_id=order.customer_id,
        account_id=order.account_id,
        channel=ORIGIN_TIMELINE_CHANNEL[Origin(order.origin)],
        direction="inbound",
        summary=f"{order.get_order_type_display()}：{order.title}",
        body=order.description,
        links=links,
        external_id=f"work-order:{order.number}",
        data=draft.contact_data,
        check_channel_data=draft.contact_data_required or bool(draft.contact_data),
    )
