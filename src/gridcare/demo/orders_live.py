"""Today's open orders of the demo, created and moved through the real services.

Each order is accepted `age` before the build's moment and each of its steps happens at its
own offset after acceptance, with the clock moved there (`orders.at_moment`), so SLA clocks,
pauses, merge suggestions and notices are computed by the services as they would be live.
Every open state appears; exactly one repair (`OVERDUE_TITLE`) is past its arrival limit at
the end of the build, every other open order is well inside its commitments (repairs were
reported at most 25 minutes before, other orders at most 20 hours before).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from gridcare.core.models import User
from gridcare.demo.orders_draft import ARRIVAL_LIMIT, Premise
from gridcare.demo.orders_world import (
    AccountInfo,
    Handlers,
    accounts_info,
    at_moment,
    contact_data,
)
from gridcare.demo.topology import OrgTree
from gridcare.service.choices import OrderType, Origin
from gridcare.service.models import WorkOrder
from gridcare.service.services import OrderDraft, order_act, order_create

M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
R = OrderType.FAULT_REPAIR
#: The one open order past its commitment: a repair the crew has not reached in time.
OVERDUE_TITLE = "整栋楼停电，老人被困电梯附近，请尽快到场"


@dataclass(frozen=True)
class LiveSpec:
    order_type: str
    category: str
    origin: str
    title: str
    age: dt.timedelta
    #: (action, time after acceptance, who: "agent", "dispatcher", "crew" or "handler").
    steps: tuple[tuple[str, dt.timedelta, str], ...] = ()
    station: int = 0
    #: "overdue": the one late repair (urban, reported past its arrival limit);
    #: "customer": the demo customer's own account; "neighbour": the 台区 of the order before.
    place: str = ""
    description: str = ""


def _repair(*steps: tuple[str, int]) -> tuple[tuple[str, dt.timedelta, str], ...]:
    who = {"dispatch": "dispatcher"}
    return tuple((action, minutes * M, who.get(action, "crew")) for action, minutes in steps)


LIVE_SPECS: tuple[LiveSpec, ...] = (
    LiveSpec(R, "fault.low_voltage.no_power", Origin.HOTLINE, "家中突然停电，邻居家也没电", 9 * M),
    LiveSpec(R, "fault.low_voltage.no_power", Origin.WECHAT, "楼道和家里都没电了", 4 * M, place="neighbour"),
    LiveSpec(R, "fault.low_voltage.partial", Origin.H5, "家里一半插座没电", 14 * M, _repair(("dispatch", 3))),
    LiveSpec(R, "fault.meter.broken", Origin.HOTLINE, "电表黑屏，家里没电", 18 * M, _repair(("dispatch", 5)), station=1),
    LiveSpec(R, "fault.low_voltage.no_power", Origin.H5, "家里跳闸后合不上，全屋无电", 20 * M, _repair(("dispatch", 3), ("take", 6)), place="customer"),
    LiveSpec(R, "fault.low_voltage.no_power", Origin.HOTLINE, OVERDUE_TITLE, dt.timedelta(), _repair(("dispatch", 4), ("take", 9)), place="overdue"),
    LiveSpec(R, "fault.safety.wire_down", Origin.HOTLINE, "路边电线被风刮断垂地", 25 * M, _repair(("dispatch", 2), ("take", 4), ("arrive", 19))),
    LiveSpec(R, "fault.high_voltage.line", Origin.HOTLINE, "整个村停电", 40 * M, _repair(("dispatch", 3), ("take", 6), ("arrive", 30)), station=2),
    LiveSpec(R, "fault.meter.burnt", Origin.HOTLINE, "表箱有烧焦味并冒烟", 150 * M, _repair(("dispatch", 3), ("take", 5), ("arrive", 28), ("resolve", 95))),
    LiveSpec(R, "fault.low_voltage.voltage", Origin.WECHAT, "晚上电压低，空调启动不了", 18 * H, _repair(("dispatch", 6), ("take", 10), ("arrive", 38), ("resolve", 150))),
    LiveSpec(OrderType.COMPLAINT, "supply_quality.frequent_outage", Origin.HOTLINE, "一个月停电三次，要求给说法", 40 * M, description="客户称如再停电将拨打 12398。"),
    LiveSpec(OrderType.COMPLAINT, "business.billing", Origin.HOTLINE, "本月电费比上月高出一倍", 3 * H, (("dispatch", 30 * M, "dispatcher"),)),
    LiveSpec(OrderType.COMPLAINT, "service.attitude", Origin.BUSINESS_HALL, "营业员办理业务时态度生硬", 5 * H, (("dispatch", 20 * M, "dispatcher"), ("take", 2 * H, "handler"), ("pause", 3 * H, "handler"))),
    LiveSpec(OrderType.CONSULTATION, "consultation.tariff", Origin.HOTLINE, "咨询峰谷分时电价如何申请", 60 * M, (("dispatch", 5 * M, "dispatcher"), ("take", 15 * M, "handler"))),
    LiveSpec(OrderType.SERVICE_REQUEST, "request.application", Origin.BUSINESS_HALL, "申请将容量由 4 千瓦增至 8 千瓦", 2 * H, (("dispatch", 40 * M, "dispatcher"),), station=1),
    LiveSpec(OrderType.REPORT, "report.theft", Origin.HOTLINE, "举报有人私接电线", 9 * H, (("dispatch", 30 * M, "dispatcher"), ("take", 4 * H, "handler"))),
    LiveSpec(OrderType.SUGGESTION, "suggestion.online", Origin.WECHAT, "建议网上国网增加电费预警提醒", 2 * H),
    LiveSpec(OrderType.COMPLAINT, "business.meter_reading", Origin.HOTLINE, "抄表读数与电表不符", 20 * H, (("dispatch", 20 * M, "dispatcher"), ("take", 2 * H, "handler"), ("resolve", 7 * H, "handler"))),
    LiveSpec(OrderType.COMPLAINT, "supply_quality.voltage", Origin.HOTLINE, "电压长期偏低，热水器无法使用", 19 * H, (("dispatch", 15 * M, "dispatcher"), ("take", 1 * H, "handler"), ("resolve", 5 * H, "handler"))),
)  # fmt: skip


def live_orders_create(
    *,
    tree: OrgTree,
    seed: int,
    now: dt.datetime,
    premises: list[Premise],
    handlers: list[Handlers],
    customer: User | None,
    customer_premise: Premise | None,
) -> list[WorkOrder]:
    """Create `LIVE_SPECS` as of `now` (the end of the build): returns them in spec order."""
    rng = random.Random(f"demo-live-orders:{seed}")
    taken = {customer_premise.account_id} if customer_premise else set()
    chosen: list[Premise] = []
    for spec in LIVE_SPECS:
        if spec.place == "customer" and customer_premise is not None:
            chosen.append(customer_premise)
            continue
        if spec.place == "neighbour" and chosen:
            pool = [p for p in premises if p.transformer_id == chosen[-1].transformer_id]
        else:
            area = "urban" if spec.place == "overdue" else None
            pool = [p for p in premises if p.station == spec.station and (area is None or p.area_class == area)]  # fmt: skip
        pool = [p for p in pool if p.account_id not in taken] or pool
        premise = rng.choice(pool)
        taken.add(premise.account_id)
        chosen.append(premise)
    accounts = accounts_info([p.account_id for p in chosen])
    orders = []
    for spec, premise in zip(LIVE_SPECS, chosen, strict=True):
        staff = handlers[premise.station]
        age = spec.age
        if spec.place == "overdue":  # thirty minutes past the arrival limit
            age = (ARRIVAL_LIMIT[premise.area_class] + 30) * M
        accepted = now - age
        creator = customer if spec.place == "customer" and customer is not None else staff.agent
        orders.append(
            _create(spec, premise, accounts[premise.account_id], tree, staff, creator, accepted)
        )
    return orders


def _create(
    spec: LiveSpec,
    premise: Premise,
    account: AccountInfo,
    tree: OrgTree,
    staff: Handlers,
    creator: User,
    accepted: dt.datetime,
) -> WorkOrder:
    draft = OrderDraft(
        order_type=spec.order_type,
        origin=spec.origin,
        title=spec.title,
        description=spec.description,
        account_number=account.number,
        category_code=spec.category,
        contact_name=account.name,
        contact_mobile=account.mobile,
        contact_data=contact_data(spec.origin, f"live-{account.number}"),
        data={"demo": "live"},
    )
    with at_moment(accepted):
        order = order_create(actor=creator, draft=draft)
    teams = tree.teams[premise.station]
    team = teams[0] if spec.order_type == R else teams[1]
    for action, offset, role in spec.steps:
        actor = staff.first(role)
        note = {"resolve": "已处理完毕并告知客户", "pause": "等待客户提供电费单照片"}.get(
            action, ""
        )
        with at_moment(accepted + offset):
            order = order_act(
                actor=actor,
                number=order.number,
                action=action,
                note=note,
                team_id=team.pk if action == "dispatch" else None,
            )
    return order
