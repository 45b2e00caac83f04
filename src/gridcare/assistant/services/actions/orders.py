"""Orders the assistant files for the customer — a repair (fault_report), a complaint, a
suggestion, a praise — through service's intake, origin `assistant`, only after the
customer confirmed the summary (the dialogue asks). A repair from inside a known outage
joins the outage's repair order there (service's outage linking); the reply says so.

`source_ref` is the confirming turn's key, so a platform retrying the "yes" files once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from gridcare.assistant.selectors.party import outages_of_accounts
from gridcare.assistant.services.actions.base import (
    Party,
    Step,
    portal_link,
    premise_address,
)
from gridcare.assistant.services.actions.outages import clock
from gridcare.customers.models import Account
from gridcare.service.choices import OrderState, OrderType, Origin
from gridcare.service.models import TITLE_MAX
from gridcare.service.services import OrderDraft, order_create


@dataclass(frozen=True)
class OrderKind:
    """How one intent becomes a 95598 order: its type, the default category (service's
    taxonomy; "" leaves it to the agent), what the customer is asked for, and the words
    the replies use."""

    order_type: str
    category: str
    label: str
    ask_description: str
    needs_address: bool = False


ORDER_KINDS: dict[str, OrderKind] = {
    "fault_report": OrderKind(
        OrderType.FAULT_REPAIR,
        "",
        "故障报修",
        "请简单描述一下故障情况，比如：全屋没电、插座冒烟、电压忽高忽低。",
        needs_address=True,
    ),
    "complaint": OrderKind(
        OrderType.COMPLAINT, "", "投诉", "请说一下您要投诉的具体情况（时间、事情经过）。"
    ),
    "suggestion": OrderKind(
        OrderType.SUGGESTION, "suggestion.service", "意见建议", "请说一下您的意见或建议。"
    ),
    "praise": OrderKind(
        OrderType.PRAISE,
        "praise.staff",
        "表扬",
        "请说一下您想表扬的人员或事情，我们会转达。",
    ),
}

#: A repair's category from what the customer wrote (service taxonomy codes), first match
#: wins; nothing matching leaves the category to the agent rather than guessing.
FAULT_CATEGORIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"表箱.*(烧|冒烟|着火)|(烧|冒烟|着火).*表箱"), "fault.meter.burnt"),
    (re.compile(r"电表|电能表|表坏"), "fault.meter.broken"),
    (re.compile(r"(电线|导线|线).*(掉|断|落)"), "fault.safety.wire_down"),
    (re.compile(r"电线杆|电杆"), "fault.safety.pole"),
    (re.compile(r"电压|忽明忽暗|灯.*闪|时有时无"), "fault.low_voltage.voltage"),
    (re.compile(r"缺相|一半|部分.*(没电|无电)"), "fault.low_voltage.partial"),
    (re.compile(r"没电|停电|断电|无电|没有电"), "fault.low_voltage.no_power"),
)


#: How much of the description the title repeats (lists show the title, the order the rest).
TITLE_HEAD = 40


def fault_category(description: str) -> str:
    return next((code for pattern, code in FAULT_CATEGORIES if pattern.search(description)), "")


def order_summary(*, intent: str, account: Account | None, slots: dict[str, Any]) -> str:
    """What the customer is asked to confirm."""
    kind = ORDER_KINDS[intent]
    lines = [f"请确认{kind.label}信息："]
    if account is not None:
        lines.append(f"户号：{account.number}")
    lines.append(f"内容：{slots.get('description', '')[:200]}")
    if kind.needs_address:
        lines.append(f"地点：{_address_shown(account, slots)}")
    lines.append("确认提交吗？")
    return "\n".join(lines)


def _address_shown(account: Account | None, slots: dict[str, Any]) -> str:
    if slots.get("address"):
        return str(slots["address"])
    return premise_address(account, masked=True) if account is not None else "（未提供）"


def outage_note(*, party: Party, account: Account | None) -> str:
    """A line for the repair summary when the account is inside a known outage now."""
    if account is None:
        return ""
    banner = outages_of_accounts(accounts=(account,)).active.get(account.pk)
    if banner is None:
        return ""
    etr = (
        f"，预计 {clock(banner.etr_at, party.today)} 恢复（预计时间）"
        if banner.etr_at is not None
        else ""
    )
    return f"提示：您所在区域正在停电（编号 {banner.number}）{etr}，提交后报修会并入该停电的抢修。"


def order_file(
    *, party: Party, intent: str, account: Account | None, slots: dict[str, Any], source_ref: str
) -> Step:
    """File the confirmed order (in a savepoint: a refusal leaves the dialogue intact)."""
    assert party.actor is not None
    kind = ORDER_KINDS[intent]
    description = str(slots.get("description", ""))
    category = kind.category or (fault_category(description) if intent == "fault_report" else "")
    draft = OrderDraft(
        order_type=kind.order_type,
        origin=Origin.ASSISTANT,
        title=_title(kind, description),
        description=description,
        account_number=account.number if account is not None else "",
        customer_id=party.customer_id,
        category_code=category,
        address=str(slots.get("address", "")),
        source_ref=source_ref,
        data={"channel": party.channel},
    )
    with transaction.atomic():
        order = order_create(actor=party.actor, draft=draft)
    order.refresh_from_db(fields=["state", "parent"])
    lines = [f"已为您提交{kind.label}，工单号 {order.number}。"]
    merged = order.state == OrderState.MERGED
    if merged:
        lines.append("您所在区域正在停电抢修，您的报修已并入该停电的抢修工单，恢复供电后会通知您。")
    elif intent == "fault_report":
        lines.append(
            "抢修人员会尽快与您联系，请保持电话畅通；如遇电线断落等危险，请远离并拨打 95598。"
        )
    elif intent == "complaint":
        lines.append("工作人员会尽快与您联系并处理，处理结果会通知您。")
    else:
        lines.append("感谢您的反馈，我们会认真处理。")
    return Step(
        "\n".join(lines),
        links=(portal_link("查看工单进度", "order", order.number),),
        action="order_create",
        data={"order": order.number, "order_type": kind.order_type, "merged": merged},
    )


def _title(kind: OrderKind, description: str) -> str:
    head = " ".join(description.split())
    return f"{kind.label}：{head[:TITLE_HEAD]}"[:TITLE_MAX] if head else kind.label
