"""The year's contacts (customers.Interaction), bulk-inserted beside the history orders.

Every history order was opened by a contact on its channel (the hotline call, the counter
visit, the WeChat message…), and most contacts open no order at all: questions answered at
once, bills paid at the counter, messages to the bot. Both kinds are written here, so the
monitoring's contact volume, channel mix and business-hall times have a year to show:

- the online share of contacts grows over the year (`ONLINE_FROM` → `ONLINE_TO`);
- the hall's waiting time falls (a new queueing system and a second window: the mean wait
  goes from `WAIT_FROM` to `WAIT_TO` seconds), service times stay as they are.

Hotline and counter contacts carry the data their channel records (customers'
CHANNEL_DATA); external ids make them unique, as a real channel's ids would.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from gridcare.core.models import User
from gridcare.customers.models import Account, Interaction
from gridcare.demo.orders_draft import OFFICE_HOURS, HistoryOrder, Premise
from gridcare.demo.orders_world import Handlers
from gridcare.demo.plan import LOCAL_TZ
from gridcare.demo.topology import OrgTree
from gridcare.service.choices import ORIGIN_TIMELINE_CHANNEL, OrderType, Origin
from gridcare.service.models import WorkOrder

BATCH_SIZE = 2_000
#: Contacts that open no order, per history order.
EXTRA_PER_ORDER = 2.0
ONLINE_FROM, ONLINE_TO = 0.35, 0.65
WAIT_FROM, WAIT_TO = 780.0, 330.0
ONLINE = (("wechat", 40), ("portal", 25), ("app", 15), ("chatbot", 15), ("alipay", 5))
OFFLINE = (("hotline", 60), ("counter", 40))
SUMMARIES = {
    "hotline": ("来电咨询：电费构成", "来电咨询：停电恢复时间", "来电查询：缴费是否到账"),
    "counter": ("营业厅缴纳电费", "营业厅打印电费发票", "营业厅咨询：峰谷电价"),
    "wechat": ("微信留言：如何绑定户号", "微信查询：本月电费", "微信留言：停电通知"),
    "portal": ("网上国网：查询用电量", "网上国网：电费账单下载", "网上国网：业务进度查询"),
    "app": ("App 查询：本月电费", "App 留言：电价咨询"),
    "chatbot": ("智能客服：电费查询", "智能客服：停电查询", "智能客服：业务办理咨询"),
    "alipay": ("支付宝生活号：缴费咨询",),
}


class ContactWriter:
    def __init__(self, *, seed: int, until: dt.date, tree: OrgTree, handlers: list[Handlers]):
        self.rng = random.Random(f"demo-contacts:{seed}")
        self.seed, self.until = seed, until
        self.first = until - dt.timedelta(days=364)
        self.agents = [h.agent for h in handlers]
        self.clerk = User.objects.filter(username="demo-clerk").first()
        self.tree = tree

    def _share(self, moment: dt.datetime) -> float:
        return (moment.astimezone(LOCAL_TZ).date() - self.first).days / 364

    def _data(self, channel: str, key: str, moment: dt.datetime) -> dict[str, object]:
        rng = self.rng
        if channel == "hotline":
            return {
                "recording_ref": f"cti://rec/demo/{key}",
                "duration_seconds": rng.randint(60, 600),
            }
        if channel == "counter":
            mean = WAIT_FROM + (WAIT_TO - WAIT_FROM) * self._share(moment)
            wait = max(30, round(rng.gauss(mean, mean * 0.35)))
            return {"queue_number": f"A{rng.randint(1, 200):03d}", "wait_seconds": wait,
                    "service_seconds": rng.randint(180, 780)}  # fmt: skip
        return {}

    def _agent(self, channel: str, station: int) -> User | None:
        if channel == "hotline":
            return self.agents[station]
        return self.clerk if channel == "counter" and station == 0 else None

    def for_order(self, order: WorkOrder, draft: HistoryOrder, customer: int) -> Interaction:
        channel = ORIGIN_TIMELINE_CHANNEL[Origin(order.origin)]
        label = OrderType(order.order_type).label
        return Interaction(
            customer_id=customer, account_id=order.account_id, channel=channel,
            direction="inbound", occurred_at=order.created_at, summary=f"{label}：{order.title}"[:200],
            agent=self._agent(channel, draft.premise.station), links={"work_order": order.number},
            external_id=f"work-order:{order.number}",
            data=self._data(channel, order.number, order.created_at),
        )  # fmt: skip

    def extra(self, count: int, accounts: Sequence[tuple[Premise, int]]) -> list[Interaction]:
        rng, rows = self.rng, []
        days = [self.first + dt.timedelta(days=n) for n in range(365)]
        weights = [0.6 if d.weekday() >= 5 else 1.0 for d in days]
        for index, day in enumerate(sorted(rng.choices(days, weights=weights, k=count))):
            hour = rng.choices(range(24), weights=OFFICE_HOURS)[0]
            moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=LOCAL_TZ)
            share = ONLINE_FROM + (ONLINE_TO - ONLINE_FROM) * self._share(moment)
            pool = ONLINE if rng.random() < share else OFFLINE
            channel = rng.choices([c for c, _ in pool], weights=[w for _, w in pool])[0]
            premise, customer = rng.choice(accounts)
            key = f"{self.seed}-{index}"
            rows.append(Interaction(
                customer_id=customer, account_id=premise.account_id, channel=channel,
                direction="inbound", occurred_at=moment, summary=rng.choice(SUMMARIES[channel]),
                agent=self._agent(channel, premise.station), external_id=f"demo-contact:{key}",
                data=self._data(channel, key, moment),
            ))  # fmt: skip
        return rows


def history_contacts_create(
    *,
    seed: int,
    until: dt.date,
    tree: OrgTree,
    handlers: list[Handlers],
    premises: list[Premise],
    orders: Sequence[WorkOrder],
    drafts: Sequence[HistoryOrder],
    featured: Premise | None,
) -> int:
    """One contact per history order (but the featured customer's, whose timeline is
    written through the service) and `EXTRA_PER_ORDER` more; returns how many."""
    writer = ContactWriter(seed=seed, until=until, tree=tree, handlers=handlers)
    rows = [
        writer.for_order(order, draft, order.customer_id)
        for order, draft in zip(orders, drafts, strict=True)
        if draft.premise is not featured and order.customer_id is not None
    ]
    customers = dict(
        Account.objects.filter(supply_unit__in=tree.stations).values_list("pk", "customer_id")
    )
    accounts = [(p, customers[p.account_id]) for p in premises if p.account_id in customers]
    if accounts:
        rows += writer.extra(round(EXTRA_PER_ORDER * len(orders)), accounts)
    Interaction.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)
