"""The assistant's story in the demo: a week of chats with the bot ending on the demo's last
day — answers from the knowledge base, a bill looked up for the demo customer, questions it
could not answer (on the editors' list), an angry customer and a request for a person
handed to the agent inbox.

Every line goes through `assistant_message`, the code path a real message takes, at a
moment of the past week (the clock is moved with time_machine, as the demo's orders are).
Nothing is filed: a repair or complaint in the demo is the orders' story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import time_machine

from gridcare.assistant.models import BotSession
from gridcare.assistant.services.dialogue import assistant_message
from gridcare.core.models import User
from gridcare.customers.models import ChannelIdentity, Customer
from gridcare.demo.plan import DEMO_CUSTOMER_MOBILE, LOCAL_TZ


@dataclass(frozen=True)
class Chat:
    """One conversation: `days` before the demo's last day at `hour`, by the demo
    customer on the portal (`portal`) or by a WeChat follower of the utility."""

    days: int
    hour: int
    lines: tuple[str, ...]
    portal: bool = False


#: A line that stands for tapping the first quick reply the bot offered (an account to
#: choose, a question it suggests).
TAP_FIRST = "<tap the first quick reply>"

CHATS = (
    Chat(6, 9, ("你好", "峰谷电价怎么算", "谢谢，再见")),
    Chat(5, 20, ("上个月电费多少钱", TAP_FIRST, "好的，谢谢"), portal=True),
    Chat(4, 11, ("家里想装个充电桩，怎么报装", "谢了")),
    Chat(3, 15, ("你们什么破服务，一个月停三次电！！！",)),
    Chat(2, 10, ("电费能用数字人民币交吗", "不用了")),
    Chat(2, 16, ("小区路灯不亮归你们管吗", "不用了")),
    Chat(1, 19, ("光伏并网要交钱吗", "没别的了，谢谢")),
    Chat(1, 21, ("空调怎么用比较省电",), portal=True),
    Chat(0, 8, ("转人工",)),
)


def demo_assistant_create(*, until: dt.date) -> int:
    """Play `CHATS` once (a demo that has bot conversations keeps them); the number of
    conversations played."""
    login = User.objects.filter(username=DEMO_CUSTOMER_MOBILE).first()
    customer = Customer.objects.filter(user=login).first() if login else None
    followers = list(ChannelIdentity.objects.filter(channel="wechat").order_by("pk")[: len(CHATS)])
    integrator = User.objects.filter(username="demo-admin").first()
    if login is None or customer is None or integrator is None or not followers:
        return 0
    senders = [f"user:{login.pk}"] + [identity.external_id for identity in followers]
    if BotSession.objects.filter(sender__in=senders).exists():
        return 0
    for number, chat in enumerate(CHATS):
        moment = dt.datetime.combine(
            until - dt.timedelta(days=chat.days), dt.time(chat.hour), tzinfo=LOCAL_TZ
        )
        follower = followers[number % len(followers)]
        options: tuple[str, ...] = ()
        for offset, line in enumerate(chat.lines):
            text = (options[0] if options else "") if line == TAP_FIRST else line
            with time_machine.travel(moment + dt.timedelta(minutes=offset), tick=False):
                if chat.portal:
                    reply = assistant_message(
                        channel="web_chat",
                        sender=f"user:{login.pk}",
                        text=text,
                        customer_id=customer.pk,
                        user=login,
                    )
                else:
                    reply = assistant_message(
                        channel="wechat",
                        sender=follower.external_id,
                        text=text,
                        customer_id=follower.customer_id,
                        user=integrator,
                    )
            options = reply.options
    return len(CHATS)
