"""The demo customer's contact history: a counter visit, a hotline call, a WeChat message
and a portal notice, so the timeline and the message centre are not empty on first look."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gridcare.core.models import User
from gridcare.customers.models import Account, Customer
from gridcare.customers.services import interaction_record
from gridcare.notify.services import notification_enqueue, notifications_deliver, template_publish

BEIJING = ZoneInfo("Asia/Shanghai")
AGENT = "demo-agent"
CLERK = "demo-clerk"


def demo_contacts_create(*, customer: Customer, account: Account, now: dt.datetime) -> None:
    agent = User.objects.filter(username=AGENT).first()
    clerk = User.objects.filter(username=CLERK).first()
    contacts = [
        (clerk, "counter", "营业厅办理：峰谷分时电价申请", 6, {"queue_number": "A017", "wait_seconds": 420, "service_seconds": 610}),
        (agent, "hotline", "来电咨询：本月电费为何比上月高", 2, {"recording_ref": "cti://rec/demo/0001", "duration_seconds": 185}),
        (None, "wechat", "微信留言：请问周末是否计划停电？", 0, {}),
    ]  # fmt: skip
    for actor, channel, summary, days_ago, data in contacts:
        interaction_record(
            actor=actor,
            customer_id=customer.pk,
            account_id=account.pk,
            channel=channel,
            direction="inbound",
            summary=summary,
            occurred_at=now - dt.timedelta(days=days_ago, hours=3),
            external_id=f"demo:{channel}:{customer.pk}",
            data=data,
        )
    template_publish(
        actor=None, code="demo.tariff_accepted", channel="portal", purpose="service",
        subject="业务受理通知", body="您户号{account}的峰谷分时电价申请已受理，将于下月抄表日起执行。",
    )  # fmt: skip
    # 10:00 Beijing five days ago: outside quiet hours whenever the demo is built.
    sent = (now - dt.timedelta(days=5)).astimezone(BEIJING).replace(hour=10, minute=0)
    notice = notification_enqueue(
        actor=None,
        customer_id=customer.pk,
        account_id=account.pk,
        template_code="demo.tariff_accepted",
        context={"account": account.number},
        idempotency_key=f"demo:tariff:{account.number}",
        channel="portal",
        now=sent,
    )
    notifications_deliver(ids=[notice.pk], worker="demo", now=sent)
