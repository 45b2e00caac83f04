"""A year of 95598 work orders for the demo, drafted in memory from a seed (no database).

What the year looks like (domain-facts §1–2):

- **Volume per type** is fixed by quotas (`TYPE_SHARES`), so every size has the same mix;
  complaints are split exactly by the seed's categories, 36 % supply quality, 28 % service,
  28 % business, 5 % outage and 3 % grid construction (largest remainders).
- **Seasonality**: repairs peak in June–September, with thunderstorm days (clusters of one
  to three days) and a two-day typhoon in August/September that multiply the day's repairs
  and concentrate them on one or two feeders; several calls about one 台区 within two hours
  are merged into the first. Supply-quality and outage complaints follow the repairs, billing
  complaints and consultations the summer and winter bills; halls are quieter on weekends.
- **Channels**: the 95598 hotline takes most repairs and complaints, the app (H5), WeChat and
  the web most of the rest; applications come mostly through the business hall.
- **Lifecycle**: each order carries its events with plausible times — repairs mostly arrive
  within 45/90/120 min (urban/rural/remote) and restore within 3 or 4 h, a few are late;
  complaints are contacted within a day and answered within five working days, a few late;
  then the return visit (a 1–5 rating, lower when late) and the archive. A few orders are
  cancelled by the customer.

Every draw comes from one `random.Random(seed)` in a fixed order (no set or dict iteration
that depends on PYTHONHASHSEED), so the same seed and last day give the same orders.
Orders whose lifecycle would run past the demo's last moment are compressed to end before it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gridcare.demo.plan import LOCAL_TZ
from gridcare.service.choices import EventKind, OrderState, OrderType, Origin, Priority

#: History orders at size 1 (≈12,000 accounts); scales with the demo's size factor.
BASE_HISTORY_ORDERS = 3_600
#: Days of history, ending on the demo's last day.
HISTORY_DAYS = 365

TYPE_SHARES: tuple[tuple[str, float], ...] = (
    (OrderType.FAULT_REPAIR, 0.50),
    (OrderType.CONSULTATION, 0.20),
    (OrderType.SERVICE_REQUEST, 0.09),
    (OrderType.COMPLAINT, 0.08),
    (OrderType.REPORT, 0.04),
    (OrderType.OPINION, 0.03),
    (OrderType.SUGGESTION, 0.03),
    (OrderType.PRAISE, 0.03),
)

#: The seed's complaint mix (issue 24 §10), level-1 category codes of data/taxonomy.toml.
COMPLAINT_SHARES: tuple[tuple[str, float], ...] = (
    ("supply_quality", 0.36),
    ("service", 0.28),
    ("business", 0.28),
    ("outage", 0.05),
    ("grid_construction", 0.03),
)

#: Leaf categories with a weight, a title and a resolution note (what the customer reads).
Leaf = tuple[str, float, tuple[str, ...], str]
LEAVES: dict[str, tuple[Leaf, ...]] = {
    OrderType.FAULT_REPAIR: (
        ("fault.low_voltage.no_power", 40, ("家中突然停电", "整栋楼停电", "小区部分楼栋无电", "店铺停电，冰柜无法运行"), "更换熔断器，已恢复供电"),
        ("fault.low_voltage.partial", 10, ("家里一半插座没电", "三相电缺相，电机无法启动"), "接户线接头松动，已紧固恢复"),
        ("fault.low_voltage.voltage", 8, ("晚上电压低，空调启动不了", "灯光忽明忽暗"), "调整配变分接头，电压恢复正常"),
        ("fault.high_voltage.line", 10, ("整个村停电", "线路跳闸，片区停电"), "树障引起线路跳闸，已清障送电"),
        ("fault.high_voltage.transformer", 5, ("变压器冒烟，片区停电", "台区配变异响后停电"), "更换配变低压桩头，已送电"),
        ("fault.meter.broken", 8, ("电表黑屏", "电表显示异常"), "更换电能表，已恢复供电"),
        ("fault.meter.burnt", 4, ("表箱有烧焦味", "表箱冒火花"), "更换表箱及进线，已恢复"),
        ("fault.customer_side", 10, ("家里总闸一直跳", "屋内线路短路"), "客户内部故障，已指导客户联系电工处理"),
        ("fault.safety.wire_down", 3, ("路边电线掉落", "大风刮断电线"), "已断开并重新架设导线"),
        ("fault.safety.pole", 2, ("电杆倾斜，存在隐患", "电线杆被车撞歪"), "已扶正电杆并加固"),
    ),
    "supply_quality": (
        ("supply_quality.voltage", 30, ("电压长期偏低，家电无法使用",), "已加装调压设备，电压合格"),
        ("supply_quality.frequent_outage", 35, ("一个月停电多次，要求解决",), "已排查线路隐患并完成整改"),
        ("supply_quality.repair_overdue", 15, ("报修后两小时才到现场",), "已向客户致歉并对班组考核"),
        ("supply_quality.repair_quality", 10, ("修好后第二天又停电",), "已重新处理并回访确认"),
        ("supply_quality.repair_conduct", 10, ("抢修人员态度生硬",), "已对相关人员批评教育"),
    ),
    "service": (
        ("service.attitude", 40, ("营业员态度不好",), "已约谈当事员工并向客户致歉"),
        ("service.hotline", 20, ("95598 电话长时间无人接听",), "已说明原因并致歉"),
        ("service.business_hall", 20, ("营业厅排队时间过长",), "已增开窗口并致歉"),
        ("service.first_contact", 20, ("问题反映多次无人处理",), "已落实首问负责并处理完毕"),
    ),
    "business": (
        ("business.billing", 40, ("本月电费异常偏高",), "核对抄表数据无误，已向客户解释"),
        ("business.meter_reading", 25, ("抄表读数与电表不符",), "已现场核对并更正电量"),
        ("business.application", 15, ("新装申请迟迟未办理",), "已加快办理并完成装表"),
        ("business.payment", 10, ("缴费后仍显示欠费",), "缴费渠道延迟到账，已核实"),
        ("business.disconnection", 10, ("缴清欠费后未及时复电",), "已复电并致歉"),
    ),
    "outage": (
        ("outage.no_notice", 50, ("没有任何通知就停电",), "已说明为故障停电并致歉"),
        ("outage.planned_overrun", 30, ("计划停电超过公告时间",), "已说明原因并改进施工组织"),
        ("outage.restoration_slow", 20, ("停电一天还没恢复",), "已恢复供电并致歉"),
    ),
    "grid_construction": (
        ("grid_construction.site", 40, ("施工占道影响出行",), "已督促施工单位规范围挡"),
        ("grid_construction.compensation", 30, ("架线损坏青苗未赔偿",), "已与客户协商赔偿"),
        ("grid_construction.environment", 30, ("新建配变离住宅太近",), "已解释安全距离并做隔音处理"),
    ),
    OrderType.CONSULTATION: (
        ("consultation.tariff", 30, ("咨询阶梯电价如何计算", "峰谷电价怎么申请"), "已解答"),
        ("consultation.bill", 35, ("咨询本月电费明细", "电费账单看不懂"), "已解答"),
        ("consultation.outage", 20, ("咨询明天是否停电", "咨询停电恢复时间"), "已告知停电信息"),
        ("consultation.business", 15, ("咨询过户需要什么材料", "咨询新装流程"), "已告知办理流程"),
    ),
    OrderType.SERVICE_REQUEST: (
        ("request.application", 85, ("申请峰谷分时电价", "申请增加容量", "申请更名过户", "申请电表校验"), "已受理并办结"),
        ("request.chase", 15, ("催办：新装申请进度",), "已催办并反馈客户"),
    ),
    OrderType.REPORT: (
        ("report.theft", 50, ("举报邻居私拉乱接",), "已现场核查并处理"),
        ("report.misconduct", 20, ("举报抄表员收取好处费",), "已调查核实并反馈"),
        ("report.facility_damage", 30, ("有人偷剪电缆",), "已报警并修复设施"),
    ),
    OrderType.OPINION: (("opinion.service", 100, ("希望停电通知提前更久",), "已采纳并反馈"),),
    OrderType.SUGGESTION: (
        ("suggestion.service", 50, ("建议营业厅周末延长营业时间",), "已记录并反馈"),
        ("suggestion.online", 50, ("建议网上国网增加电费预警",), "已转产品部门评估"),
    ),
    OrderType.PRAISE: (("praise.staff", 100, ("表扬抢修师傅冒雨抢修", "感谢营业员耐心服务"), "已转达表扬"),),
}  # fmt: skip

ORIGINS: dict[str, tuple[tuple[str, float], ...]] = {
    OrderType.FAULT_REPAIR: ((Origin.HOTLINE, 55), (Origin.H5, 15), (Origin.WECHAT, 14), (Origin.ASSISTANT, 8), (Origin.WEB, 4), (Origin.ALIPAY, 2), (Origin.BUSINESS_HALL, 1), (Origin.SELF_SERVICE_TERMINAL, 1)),
    OrderType.COMPLAINT: ((Origin.HOTLINE, 60), (Origin.H5, 10), (Origin.WECHAT, 10), (Origin.BUSINESS_HALL, 8), (Origin.WEB, 6), (Origin.ASSISTANT, 4), (Origin.ALIPAY, 2)),
    OrderType.CONSULTATION: ((Origin.HOTLINE, 40), (Origin.H5, 15), (Origin.WECHAT, 15), (Origin.ASSISTANT, 14), (Origin.BUSINESS_HALL, 8), (Origin.WEB, 6), (Origin.ALIPAY, 2)),
    OrderType.SERVICE_REQUEST: ((Origin.BUSINESS_HALL, 40), (Origin.H5, 25), (Origin.WEB, 10), (Origin.WECHAT, 10), (Origin.HOTLINE, 10), (Origin.SELF_SERVICE_TERMINAL, 5)),
    OrderType.REPORT: ((Origin.HOTLINE, 60), (Origin.WEB, 15), (Origin.WECHAT, 15), (Origin.H5, 10)),
    OrderType.OPINION: ((Origin.HOTLINE, 25), (Origin.H5, 25), (Origin.WECHAT, 25), (Origin.WEB, 20), (Origin.ASSISTANT, 5)),
    OrderType.SUGGESTION: ((Origin.HOTLINE, 25), (Origin.H5, 25), (Origin.WECHAT, 25), (Origin.WEB, 20), (Origin.ASSISTANT, 5)),
    OrderType.PRAISE: ((Origin.HOTLINE, 50), (Origin.WECHAT, 25), (Origin.H5, 15), (Origin.BUSINESS_HALL, 10)),
}  # fmt: skip

REPAIR_MONTH = {1: 1.1, 2: 0.9, 3: 0.8, 4: 0.9, 5: 1.1, 6: 1.6, 7: 2.0, 8: 2.2, 9: 1.6, 10: 1.0, 11: 0.8, 12: 1.0}  # fmt: skip
BILL_MONTH = {1: 1.3, 2: 1.1, 3: 0.9, 4: 0.8, 5: 0.9, 6: 1.1, 7: 1.4, 8: 1.5, 9: 1.2, 10: 0.9, 11: 0.9, 12: 1.1}  # fmt: skip
QUALITY_MONTH = {1: 0.8, 2: 0.7, 3: 0.7, 4: 0.8, 5: 1.0, 6: 1.5, 7: 1.8, 8: 1.9, 9: 1.6, 10: 1.3, 11: 0.8, 12: 0.8}  # fmt: skip
#: Hour-of-day weights (0–23): repairs peak in the evening, other contacts in office hours.
REPAIR_HOURS: tuple[float, ...] = (
    1,
    1,
    1,
    1,
    1,
    1,
    2,
    3,
    4,
    4,
    4,
    4,
    4,
    4,
    5,
    6,
    7,
    8,
    9,
    9,
    8,
    6,
    3,
    2,
)
OFFICE_HOURS: tuple[float, ...] = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 2, 6, 8, 8, 7, 4, 6, 8, 8, 7, 5, 3, 2, 2, 1, 0.5, 0.3)  # fmt: skip
THUNDERSTORM = 3.5
TYPHOON = 7.0

#: Arrival (from the report) and restoration (from arrival) commitments in minutes, by area
#: class (SGCC 2023, domain-facts §1.4): the demo keeps most repairs inside them.
ARRIVAL_LIMIT = {"urban": 45, "rural": 90, "remote": 120}
RESTORATION_LIMIT = {"urban": 180, "rural": 240, "remote": 240}
LATE_REPAIR_SHARE = 0.04
LATE_REPLY_SHARE = 0.04
CANCEL_SHARE = 0.02
#: Calls about one 台区 within this window of the first are merged into it (storm days).
MERGE_WINDOW = dt.timedelta(hours=2)
VISIT_TYPES = frozenset({OrderType.FAULT_REPAIR, OrderType.COMPLAINT, OrderType.SERVICE_REQUEST, OrderType.REPORT})  # fmt: skip


@dataclass(frozen=True)
class Premise:
    """What the draft needs of an account: its place in the network and its station."""

    account_id: int
    transformer_id: int
    feeder_id: int
    station: int
    area_class: str


@dataclass(frozen=True)
class Event:
    kind: str
    from_state: str
    to_state: str
    at: dt.datetime
    #: Who acts: "agent", "dispatcher", "crew", "handler" or "" (the customer or the system).
    role: str = ""
    note: str = ""
    public: bool = True
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class HistoryOrder:
    created_at: dt.datetime
    order_type: str
    category_code: str
    origin: str
    title: str
    premise: Premise
    priority: str = Priority.NORMAL
    state: str = OrderState.ARCHIVED
    #: "repair" (the station's repair team) or "general" (its 营配 team), "" if never dispatched.
    team: str = ""
    events: list[Event] = field(default_factory=list)
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    rating: int | None = None
    rating_comment: str = ""
    visit_channel: str = ""
    late: bool = False
    #: Index of the order this one was merged into (an earlier order in the list).
    parent: int | None = None


@dataclass(frozen=True)
class StormDay:
    day: dt.date
    factor: float
    #: Feeders (ids) the storm's repairs concentrate on.
    feeders: tuple[int, ...]


def quotas(total: int, shares: Sequence[tuple[str, float]]) -> list[tuple[str, int]]:
    """Split `total` by `shares` exactly (largest remainders, ties in the given order)."""
    raw = [(key, total * share) for key, share in shares]
    counts = {key: int(value) for key, value in raw}
    left = total - sum(counts.values())
    by_remainder = sorted(range(len(raw)), key=lambda i: -(raw[i][1] - int(raw[i][1])))
    for i in by_remainder[:left]:
        counts[raw[i][0]] += 1
    return [(key, counts[key]) for key, _ in shares]


def history_size(factor: float) -> int:
    return max(200, round(BASE_HISTORY_ORDERS * factor))


class OrderDrafter:
    """Draws the year's orders; `draft()` returns them sorted by acceptance time."""

    def __init__(self, *, seed: int, until: dt.date, premises: list[Premise], end: dt.datetime):
        self.rng = random.Random(f"demo-orders:{seed}")
        self.until = until
        self.end = end
        self.premises = premises
        self.days = [until - dt.timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
        feeders = sorted({p.feeder_id for p in premises})
        self.by_feeder = {f: [p for p in premises if p.feeder_id == f] for f in feeders}
        self.feeders = feeders
        self.storms = self._storms()

    # --- The calendar of the year ---

    def _storms(self) -> dict[dt.date, StormDay]:
        summer = [d for d in self.days if 6 <= d.month <= 9]
        storms: dict[dt.date, StormDay] = {}
        if not summer:
            return storms
        for _ in range(5):
            start = self.rng.randrange(len(summer))
            for offset in range(self.rng.randint(1, 3)):
                if start + offset < len(summer):
                    day = summer[start + offset]
                    storms[day] = StormDay(day, THUNDERSTORM, self._storm_feeders(1))
        late_summer = [i for i, d in enumerate(summer[:-1]) if d.month in (8, 9)]
        if late_summer:
            start = self.rng.choice(late_summer)
            feeders = self._storm_feeders(2)
            for day in summer[start : start + 2]:
                storms[day] = StormDay(day, TYPHOON, feeders)
        return storms

    def _storm_feeders(self, n: int) -> tuple[int, ...]:
        return tuple(sorted(self.rng.sample(self.feeders, min(n, len(self.feeders)))))

    def _day_weight(self, order_type: str, group: str, day: dt.date) -> float:
        weekend = day.weekday() >= 5
        if order_type == OrderType.FAULT_REPAIR:
            storm = self.storms.get(day)
            return REPAIR_MONTH[day.month] * (storm.factor if storm else 1.0)
        if group in ("supply_quality", "outage"):
            return QUALITY_MONTH[day.month] * (2.0 if day in self.storms else 1.0)
        if group == "business" or order_type == OrderType.CONSULTATION:
            return BILL_MONTH[day.month] * (0.7 if weekend else 1.0)
        return 0.5 if weekend else 1.0

    def _moment(self, order_type: str, day: dt.date) -> dt.datetime:
        hours = REPAIR_HOURS if order_type == OrderType.FAULT_REPAIR else OFFICE_HOURS
        if day in self.storms and order_type == OrderType.FAULT_REPAIR:
            hours = tuple(w * (4 if 13 <= h <= 20 else 1) for h, w in enumerate(hours))
        hour = self.rng.choices(range(24), weights=hours)[0]
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=LOCAL_TZ)
        moment = start + dt.timedelta(seconds=self.rng.randrange(3600))
        return min(moment, self.end - dt.timedelta(minutes=30))

    # --- Orders ---

    def draft(self, total: int) -> list[HistoryOrder]:
        orders: list[HistoryOrder] = []
        for order_type, count in quotas(total, TYPE_SHARES):
            if order_type == OrderType.COMPLAINT:
                for group, n in quotas(count, COMPLAINT_SHARES):
                    orders += self._orders(order_type, group, n)
            else:
                orders += self._orders(order_type, order_type, count)
        self._last_day_busy(orders)
        orders.sort(
            key=lambda o: (o.created_at, o.order_type, o.category_code, o.premise.account_id)
        )
        self._merge_storm_calls(orders)
        for order in orders:
            if order.state != OrderState.MERGED:
                self._lifecycle(order)
        return orders

    def _orders(self, order_type: str, group: str, count: int) -> list[HistoryOrder]:
        weights = [self._day_weight(order_type, group, d) for d in self.days]
        leaves = LEAVES[group]
        origins = ORIGINS[order_type]
        drafted = []
        for day in self.rng.choices(self.days, weights=weights, k=count):
            code, _, titles, _ = self.rng.choices(leaves, weights=[leaf[1] for leaf in leaves])[0]
            origin = self.rng.choices([o for o, _ in origins], weights=[w for _, w in origins])[0]
            drafted.append(
                HistoryOrder(
                    created_at=self._moment(order_type, day),
                    order_type=order_type,
                    category_code=code,
                    origin=origin,
                    title=self.rng.choice(titles),
                    premise=self._premise(order_type, day),
                    priority=_priority(code, day in self.storms),
                )
            )
        return drafted

    def _last_day_busy(self, orders: list[HistoryOrder]) -> None:
        """A small demo can draw no order on its last day; then the newest one moves there
        (same time of day), so the history always reaches `until`."""
        if not orders or any(
            o.created_at.astimezone(LOCAL_TZ).date() == self.until for o in orders
        ):
            return
        newest = max(orders, key=lambda o: o.created_at)
        local = newest.created_at.astimezone(LOCAL_TZ)
        moment = dt.datetime.combine(self.until, local.time(), tzinfo=LOCAL_TZ)
        newest.created_at = min(moment, self.end - dt.timedelta(minutes=30))

    def _premise(self, order_type: str, day: dt.date) -> Premise:
        storm = self.storms.get(day)
        if storm and order_type == OrderType.FAULT_REPAIR and self.rng.random() < 0.7:
            return self.rng.choice(self.by_feeder[self.rng.choice(storm.feeders)])
        return self.rng.choice(self.premises)

    def _merge_storm_calls(self, orders: list[HistoryOrder]) -> None:
        """Repeat calls about one 台区 on a storm day join the first call's order."""
        first: dict[int, int] = {}
        for index, order in enumerate(orders):
            if order.order_type != OrderType.FAULT_REPAIR:
                continue
            if order.created_at.astimezone(LOCAL_TZ).date() not in self.storms:
                continue
            key = order.premise.transformer_id
            parent = first.get(key)
            if parent is not None and order.created_at - orders[parent].created_at <= MERGE_WINDOW:
                order.state, order.parent = OrderState.MERGED, parent
                at = order.created_at + dt.timedelta(minutes=self.rng.randint(2, 15))
                order.events = [
                    _created(order),
                    Event(EventKind.MERGE, OrderState.ACCEPTED, OrderState.MERGED, at, "dispatcher",
                          "同一台区故障，已并入主工单处理"),
                ]  # fmt: skip
                order.closed_at = at
            else:
                first[key] = index

    def _lifecycle(self, order: HistoryOrder) -> None:
        rng = self.rng
        t0 = order.created_at
        if rng.random() < CANCEL_SHARE:
            at = t0 + dt.timedelta(minutes=rng.randint(5, 40))
            order.state, order.closed_at = OrderState.CANCELLED, at
            note = (
                "客户来电告知已自行恢复"
                if order.order_type == OrderType.FAULT_REPAIR
                else "客户撤回诉求"
            )
            order.events = [_created(order), Event(EventKind.CANCEL, OrderState.ACCEPTED, OrderState.CANCELLED, at, "agent", note)]  # fmt: skip
            return
        if order.order_type == OrderType.FAULT_REPAIR:
            steps = self._repair_steps(order)
        else:
            steps = self._handling_steps(order)
        resolved = steps[-1][1]
        leaf = _leaf(order)
        visit: list[tuple[str, dt.timedelta, str]] = []
        if order.order_type in VISIT_TYPES:
            visit = self._visit(order, resolved)
        else:
            visit = [("archive", resolved + dt.timedelta(minutes=rng.randint(10, 600)), "")]
        timeline = [*steps, *visit]
        end = timeline[-1][1]
        if t0 + end > self.end:  # compress what would run past the demo's last moment
            scale = (self.end - t0 - dt.timedelta(minutes=1)) / end
            timeline = [(kind, offset * scale, role) for kind, offset, role in timeline]
        order.events = [_created(order)]
        state: str = OrderState.ACCEPTED
        for kind, offset, role in timeline:
            at = t0 + offset
            target = _TARGET.get(kind, "")
            event = Event(kind, state if target else "", target, at, role)
            if kind == EventKind.RESOLVE:
                event = Event(kind, state, target, at, role, leaf[3])
                order.resolved_at = at
            elif kind == EventKind.RATED:
                event = Event(
                    kind, "", "", at, "", order.rating_comment, True, {"rating": order.rating}
                )
            elif kind == "contact":
                # Marked as a contact (as `order_contact_record` writes it): it stops the
                # complaint's first-contact clock.
                event = Event(
                    EventKind.NOTE, "", "", at, role, "已电话联系客户，了解诉求", False,
                    {"contact": True},
                )  # fmt: skip
            elif kind == EventKind.ARCHIVE:
                order.closed_at = at
            order.events.append(event)
            state = target or state
        order.state = OrderState.ARCHIVED
        order.team = "repair" if order.order_type == OrderType.FAULT_REPAIR else "general"

    def _repair_steps(self, order: HistoryOrder) -> list[tuple[str, dt.timedelta, str]]:
        rng, area = self.rng, order.premise.area_class
        late = rng.random() < LATE_REPAIR_SHARE
        order.late = late
        limit = ARRIVAL_LIMIT[area]
        arrival = (
            rng.randint(limit + 5, limit * 2 + 30) if late else rng.randint(limit // 4, limit - 5)
        )
        dispatch = rng.randint(1, min(8, arrival // 3))
        take = dispatch + rng.randint(1, max(1, min(6, arrival // 3)))
        restore_limit = RESTORATION_LIMIT[area]
        late_restore = rng.random() < LATE_REPAIR_SHARE / 2
        restore = (
            rng.randint(restore_limit + 10, restore_limit + 120)
            if late_restore
            else rng.randint(15, restore_limit - 20)
        )
        order.late = late or late_restore
        minutes = dt.timedelta(minutes=1)
        return [
            (EventKind.DISPATCH, dispatch * minutes, "dispatcher"),
            (EventKind.TAKE, take * minutes, "crew"),
            (EventKind.ARRIVE, arrival * minutes, "crew"),
            (EventKind.RESOLVE, (arrival + restore) * minutes, "crew"),
        ]  # fmt: skip

    def _handling_steps(self, order: HistoryOrder) -> list[tuple[str, dt.timedelta, str]]:
        rng = self.rng
        hours = dt.timedelta(hours=1)
        if order.order_type == OrderType.CONSULTATION:
            dispatch, take, reply = 0.05, 0.1 + rng.random() * 0.5, 0.3 + rng.random() * 6
        elif order.order_type == OrderType.COMPLAINT:
            late = rng.random() < LATE_REPLY_SHARE
            order.late = late
            dispatch = 0.2 + rng.random() * 0.8
            take = dispatch + 0.5 + rng.random() * 10
            # Five working days are at least seven calendar days; late means past them.
            reply = (8 + rng.random() * 4) * 24 if late else (0.5 + rng.random() * 4.5) * 24
            return [
                (EventKind.DISPATCH, dispatch * hours, "dispatcher"),
                (EventKind.TAKE, take * hours, "handler"),
                ("contact", (take + 0.2) * hours, "handler"),
                (EventKind.RESOLVE, max(reply, take + 1) * hours, "handler"),
            ]
        else:
            dispatch, take = 0.2 + rng.random(), 1.5 + rng.random() * 20
            reply = take + 2 + rng.random() * 72
        return [
            (EventKind.DISPATCH, dispatch * hours, "dispatcher"),
            (EventKind.TAKE, take * hours, "handler"),
            (EventKind.RESOLVE, max(reply, take + 0.1) * hours, "handler"),
        ]

    def _visit(
        self, order: HistoryOrder, resolved: dt.timedelta
    ) -> list[tuple[str, dt.timedelta, str]]:
        rng = self.rng
        start = resolved + dt.timedelta(hours=1 + rng.random() * 20)
        order.visit_channel = rng.choices(["sms", "hotline", "portal"], weights=[60, 30, 10])[0]
        steps = [(EventKind.START_VISIT, start, "agent")]
        if rng.random() < 0.1:  # no answer: archived when the visit runs out
            return [*steps, (EventKind.ARCHIVE, start + dt.timedelta(days=3), "agent")]
        weights = [2, 3, 7, 18, 70] if not order.late else [15, 20, 25, 20, 20]
        order.rating = rng.choices([1, 2, 3, 4, 5], weights=weights)[0]
        order.rating_comment = _COMMENTS[order.rating]
        rated = start + dt.timedelta(minutes=5 + rng.randrange(36 * 60))
        archived = rated + dt.timedelta(minutes=10 + rng.randrange(120))
        return [*steps, (EventKind.RATED, rated, ""), (EventKind.ARCHIVE, archived, "agent")]


_TARGET: dict[str, str] = {
    EventKind.DISPATCH: OrderState.DISPATCHED,
    EventKind.TAKE: OrderState.TAKEN,
    EventKind.ARRIVE: OrderState.ARRIVED,
    EventKind.RESOLVE: OrderState.RESOLVED,
    EventKind.START_VISIT: OrderState.RETURN_VISIT,
    EventKind.ARCHIVE: OrderState.ARCHIVED,
}
_COMMENTS = {
    1: "处理太慢，很不满意",
    2: "等了很久",
    3: "一般",
    4: "满意",
    5: "非常满意，师傅辛苦了",
}


def _created(order: HistoryOrder) -> Event:
    role = "agent" if order.origin in (Origin.HOTLINE, Origin.BUSINESS_HALL) else ""
    return Event(EventKind.CREATED, "", OrderState.ACCEPTED, order.created_at, role)


def _leaf(order: HistoryOrder) -> Leaf:
    for leaves in LEAVES.values():
        for leaf in leaves:
            if leaf[0] == order.category_code:
                return leaf
    raise KeyError(order.category_code)


def _priority(code: str, storm: bool) -> str:
    if code.startswith("fault.safety"):
        return Priority.URGENT
    if code.startswith("fault.high_voltage") or (storm and code.startswith("fault.")):
        return Priority.HIGH
    return Priority.NORMAL


def complaint_group(category_code: str) -> str:
    """The level-1 complaint category of a leaf code (`supply_quality.voltage` → `supply_quality`)."""
    return category_code.split(".", 1)[0]
