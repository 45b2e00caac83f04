"""A small world of one local day D (2026-03-10, Beijing) whose every KPI is computed by
hand in the tests. Rows are written directly at chosen moments (the services stamp the
wall clock); each comment says what the row is for.

Units (persona world): bureau B1 → stations S1, S2; team T1 under S1.
Accounts: A (alice, S1), B (bob, S2), C (carol's shop, S2), all opened 2025-01-01.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from gridcare.assistant.models import BotSession
from gridcare.billing.models import Payment
from gridcare.customers.models import Account, Customer, Interaction
from gridcare.notify.models import Notification, NotificationTemplate
from gridcare.service.models import (
    Application,
    Category,
    ReturnVisit,
    SlaClock,
    SlaRule,
    WorkOrder,
    WorkOrderEvent,
)
from gridcare.testing.personas import World

BJ = ZoneInfo("Asia/Shanghai")
D = dt.date(2026, 3, 10)
DAY_BEFORE = D - dt.timedelta(days=1)
DAY_AFTER = D + dt.timedelta(days=1)
_serial = itertools.count(1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BJ)


@dataclass
class KpiWorld:
    world: World
    orders: dict[str, WorkOrder]
    leaf_o2: str
    leaf_o7: str


def order(world: World, name: str, order_type: str, origin: str, **fields: Any) -> WorkOrder:
    fields.setdefault("org_unit", world.station_1)
    return WorkOrder.objects.create(
        number=f"KPI{next(_serial):05d}",
        order_type=order_type,
        origin=origin,
        title=name,
        **fields,
    )


def clock(o: WorkOrder, kind: str, start: dt.datetime, minutes: int, stop: dt.datetime, by: str) -> SlaClock:  # fmt: skip
    rule = SlaRule.objects.order_by("pk").first()
    assert rule is not None, "the SLA presets are installed after migrate"
    deadline = start + dt.timedelta(minutes=minutes)
    return SlaClock.objects.create(
        order=o, rule=rule, clock=kind, unit="minutes", limit=minutes, started_at=start,
        deadline_at=deadline, warn_at=deadline, stopped_at=stop, stopped_by=by,
    )  # fmt: skip


def visit(o: WorkOrder, rating: int | None, responded: dt.datetime | None) -> None:
    ReturnVisit.objects.create(
        order=o,
        channel="sms",
        token_digest=hashlib.sha256(f"{o.number}{rating}".encode()).hexdigest(),
        sent_at=at(D, 0, 1),
        due_at=at(DAY_AFTER, 23),
        rating=rating,
        responded_at=responded,
        outcome="satisfied" if rating else "no_answer",
    )


def build_orders(world: World) -> KpiWorld:
    u = world.users
    leaves = list(
        Category.objects.filter(order_type="complaint", parent__isnull=False).order_by("code")
    )
    o = {
        # Repair, urban, team T1, hotline: arrived in 30 of 45 min, restored in 150 of 180.
        "o1": order(world, "o1", "fault_repair", "hotline", team=world.team_1,
                    assignee=u["crew"], created_at=at(D, 9), resolved_at=at(D, 12)),
        # Complaint at 23:30 Beijing (15:30 UTC): counts on D, for S2.
        "o2": order(world, "o2", "complaint", "web", org_unit=world.station_2,
                    category=leaves[0], created_at=at(D, 23, 30)),
        # Consultation answered within the day by its first handler: the one FCR.
        "o3": order(world, "o3", "consultation", "wechat", assignee=u["agent_s1"],
                    created_at=at(D, 10), resolved_at=at(D, 10, 20)),
        # Consultation resolved the next day: not FCR; resolved on D+1 for agent_orders.
        "o4": order(world, "o4", "consultation", "hotline", assignee=u["agent_s1"],
                    created_at=at(D, 11), resolved_at=at(DAY_AFTER, 9)),
        # Online application, dispatched then resolved on D: not FCR.
        "o5": order(world, "o5", "service_request", "web", org_unit=world.station_2,
                    assignee=u["agent_s2"], created_at=at(D, 8), resolved_at=at(D, 15)),
        # Application at the business hall (offline), still open.
        "o6": order(world, "o6", "service_request", "business_hall",
                    org_unit=world.station_2, created_at=at(D, 14)),
        # Complaint on D-1 at 23:59 Beijing: counts on D-1, not D.
        "o7": order(world, "o7", "complaint", "hotline", category=leaves[1],
                    created_at=at(DAY_BEFORE, 23, 59)),
        # Complaint merged into another: an order on D, no complaint, no FCR candidate.
        "o8": order(world, "o8", "complaint", "hotline", state="merged",
                    category=leaves[0], created_at=at(D, 12)),
        # Rural repair accepted D-1 20:00 for S2, arrived D 00:30: 270 min, 90 allowed.
        "o9": order(world, "o9", "fault_repair", "wechat", org_unit=world.station_2,
                    area_class="rural", assignee=u["agent_s2"], created_at=at(DAY_BEFORE, 20)),
    }  # fmt: skip
    Application.objects.create(order=o["o5"], kind="new_residential")
    Application.objects.create(order=o["o6"], kind="name_transfer")
    WorkOrderEvent.objects.create(order=o["o5"], kind="dispatch", at=at(D, 9))
    WorkOrderEvent.objects.create(order=o["o3"], kind="take", at=at(D, 10, 5))

    clock(o["o1"], "repair_arrival", at(D, 9), 45, at(D, 9, 30), "arrive")  # met, 30 min
    clock(o["o1"], "repair_restoration", at(D, 9, 30), 180, at(D, 12), "resolve")  # met, 150
    clock(o["o3"], "reply", at(D, 10), 10, at(D, 10, 20), "resolve")  # breached
    clock(o["o4"], "reply", at(D, 11), 60, at(D, 11, 30), "cancel")  # ended: not counted
    clock(o["o9"], "repair_arrival", at(DAY_BEFORE, 20), 90, at(D, 0, 30), "arrive")  # breached

    visit(o["o1"], 5, at(D, 13))  # satisfied
    visit(o["o3"], 3, at(D, 11))  # rated, not satisfied
    visit(o["o5"], 4, at(D, 16))  # satisfied
    visit(o["o4"], None, None)  # no answer: not rated
    return KpiWorld(world=world, orders=o, leaf_o2=leaves[0].code, leaf_o7=leaves[1].code)


def contact(customer: Customer, channel: str, when: dt.datetime, **fields: Any) -> Interaction:
    fields.setdefault("direction", "inbound")
    return Interaction.objects.create(
        customer=customer, channel=channel, occurred_at=when, summary=channel, **fields
    )


def build_contacts(world: World) -> None:
    alice, bob = world.customer_alice, world.customer_bob
    carol = world.account_c.customer
    dave = Customer.objects.create(kind="person", name="王五", mobile="13600000004")
    Account.objects.update(opened_on=dt.date(2025, 1, 1))
    clerk = world.users["clerk_s1"]
    contact(alice, "hotline", at(D, 9), account=world.account_a)  # S1, first
    contact(alice, "wechat", at(D, 20))  # S1 by her account; repeat of 09:00
    contact(bob, "counter", at(D, 10), account=world.account_b, agent=clerk,
            data={"queue_number": "A1", "wait_seconds": 300, "service_seconds": 600})  # fmt: skip
    contact(dave, "portal", at(D, 23, 30))  # no account: the bureau
    contact(alice, "sms", at(D, 12), direction="outbound")  # a notice: not a contact
    contact(bob, "hotline", at(D - dt.timedelta(days=20), 9))  # makes 10:00 a repeat
    contact(carol, "counter", at(D, 15), account=world.account_c,
            data={"queue_number": "A2", "wait_seconds": 900, "service_seconds": 300})  # fmt: skip


def build_assistant(world: World) -> None:
    for channel, customer, reason in [
        ("web_chat", world.customer_alice, ""),
        ("wechat", world.customer_bob, "asked"),
        ("web_chat", None, "anger"),
    ]:
        BotSession.objects.create(
            channel=channel, sender=f"s{next(_serial)}", customer=customer,
            started_at=at(D, 10), handoff_reason=reason,
        )  # fmt: skip


def build_notifications(world: World) -> None:
    template = NotificationTemplate.objects.order_by("pk").first()
    assert template is not None, "default templates are installed by a migration"
    for customer, channel, status in [
        (world.customer_alice, "sms", "sent"),
        (world.customer_bob, "wechat", "sent"),
        (world.customer_bob, "sms", "failed"),
        (world.customer_alice, "sms", "queued"),  # still under way
        (world.customer_alice, "sms", "suppressed"),  # never attempted
    ]:
        Notification.objects.create(
            idempotency_key=f"kpi:{next(_serial)}", customer=customer, template=template,
            channel=channel, purpose="service", body="…", status=status, created_at=at(D, 9),
        )  # fmt: skip


def build_payments(world: World) -> None:
    for account, provider, amount, status, paid in [
        (world.account_a, "wechat", "100.50", "paid", at(D, 9)),
        (world.account_b, "alipay", "200.00", "refunded", at(D, 21)),
        (world.account_c, "counter_cash", "50.00", "paid", at(D, 11)),
        (world.account_a, "wechat", "80.00", "created", None),  # never paid
        (world.account_a, "alipay", "70.00", "paid", at(DAY_AFTER, 0, 5)),  # the next day
    ]:
        Payment.objects.create(
            out_trade_no=f"KPI{next(_serial):08d}", account=account, provider=provider,
            amount=Decimal(amount), status=status, paid_at=paid,
        )  # fmt: skip


def build_all(world: World) -> KpiWorld:
    built = build_orders(world)
    build_contacts(world)
    build_assistant(world)
    build_notifications(world)
    build_payments(world)
    return built
