"""The rest of the dialogue: greeting and goodbye (which ends the session), out of scope,
outages with their estimated restoration, the reconnection order's progress, questions the
knowledge base cannot answer (logged, an agent offered), senders not bound to a customer,
and actions that cannot be served or are refused (said, and handed to a person)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.assistant.models import BotSession, BotTurn, UnansweredQuestion
from gridcare.assistant.services.dialogue import assistant_message
from gridcare.billing.models import BillingProfile
from gridcare.customers.models import AccountBinding
from gridcare.outages.choices import OutageKind, OutageState
from gridcare.service.models import WorkOrder
from gridcare.service.services import order_act
from gridcare.service.services.billing_orders import billing_requests_handle
from gridcare.testing.personas import World
from tests.assistant.dialogue.conftest import Chat, second_account, session_of
from tests.outages.factory import outage_make


def test_greeting_offers_what_the_bot_can_do(world: World, chat: Chat) -> None:
    reply = chat("你好")
    assert "有什么可以帮您" in reply.text
    assert reply.options == ("查电费", "交电费", "停电查询", "我要报修", "转人工客服")


def test_goodbye_ends_the_session_and_the_next_message_starts_a_new_one(
    world: World, chat: Chat
) -> None:
    first = chat("谢谢，再见")
    assert first.ended
    assert session_of(first).status == "ended"
    assert chat("你好").session_id != first.session_id


def test_out_of_scope_is_refused_politely_with_what_the_bot_can_do(
    world: World, chat: Chat
) -> None:
    reply = chat("今天天气怎么样，适合出去玩吗")
    assert "超出了我的服务范围" in reply.text
    assert "查电费" in reply.options


def test_an_outage_on_the_customers_area_is_given_with_an_estimated_restoration(
    world: World, chat: Chat
) -> None:
    start = timezone.now() - dt.timedelta(minutes=30)
    outage = outage_make(accounts=[world.account_a], starts_at=start, etr_minutes=120)

    reply = chat("我们这片停电了，什么时候来电")

    assert outage.number in reply.text
    assert "石牌1号台区" in reply.text
    etr = timezone.localtime(start + dt.timedelta(minutes=120))
    assert f"{etr:%H:%M} 恢复供电（预计时间" in reply.text
    assert reply.links[0].path == f"/portal/outages/{outage.number}/"


def test_a_planned_outage_coming_up_is_announced(world: World, chat: Chat) -> None:
    start = timezone.now() + dt.timedelta(days=2)
    planned = outage_make(
        accounts=[world.account_a],
        kind=OutageKind.PLANNED,
        state=OutageState.PUBLISHED,
        starts_at=start,
    )

    reply = chat("最近有没有停电计划")

    assert f"计划停电（编号 {planned.number}）" in reply.text
    assert "10kV 线路检修" in reply.text


def test_no_outage_says_so_and_offers_a_repair(world: World, chat: Chat) -> None:
    outage_make(accounts=[world.account_b])  # Bob's area, not Alice's
    reply = chat("停电查询")
    assert "目前没有停电" in reply.text
    assert "我要报修" in reply.options


def test_reconnect_gives_the_reconnection_orders_progress(world: World, chat: Chat) -> None:
    from tests.service.test_billing_orders import _disconnected_and_paid

    _disconnected_and_paid(world)
    billing_requests_handle()
    order = WorkOrder.objects.get(category__code="request.reconnection")
    order_act(
        actor=world.users["agent_s1"],
        number=order.number,
        action="dispatch",
        team_id=world.team_1.pk,
    )

    reply = chat("我已经交清欠费了，怎么还没来电")

    assert "供电状态：已安排复电" in reply.text
    assert f"复电工单 {order.number}：已派工" in reply.text
    assert reply.links[-1].path == f"/portal/orders/{order.number}/"
    assert (
        BillingProfile.objects.get(account=world.account_a).supply_state == "reconnection_requested"
    )


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("峰谷电价是几点到几点", "tariff_policy"),
        ("家里装光伏怎么申请并网", "pv_connection"),
        ("电表走得快怎么申请校验", "meter_issue"),
        ("过户需要什么材料", "account_change"),
        ("怎么开电费发票", "invoice"),
    ],
)
def test_an_informational_question_is_answered_from_the_knowledge_base_citing_the_entry(
    world: World, chat: Chat, question: str, intent: str
) -> None:
    reply = chat(question)

    turn = BotTurn.objects.filter(speaker="assistant").get()
    assert (turn.action, turn.intent) == ("kb_answer", intent)
    assert turn.faq_entry is not None
    assert f"（知识库 {turn.faq_entry.code}" in reply.text
    assert turn.faq_entry.answer in reply.text
    assert not reply.handed_off


def test_a_question_the_knowledge_base_cannot_answer_offers_an_agent(
    world: World, chat: Chat
) -> None:
    offered = chat("火星基地的分时电价是多少")
    assert "转人工客服" in offered.options
    declined = chat("不用了")
    assert not declined.handed_off
    assert "还有其他问题" in declined.text
    chat("火星基地的分时电价是多少")
    assert chat("好的").handed_off
    logged = UnansweredQuestion.objects.get()
    assert (logged.text, logged.count) == ("火星基地的分时电价是多少", 2)


def test_a_question_between_close_entries_offers_them_and_a_pick_is_answered(
    world: World, chat: Chat
) -> None:
    offered = chat("阶梯电价怎么算")  # what it is / monthly or yearly / the thresholds: too close
    assert "哪一个" in offered.text
    questions = [option for option in offered.options if option.endswith("？")]
    assert len(questions) >= 2
    assert offered.options[-2:] == ("转人工客服", "不用了")
    picked = chat(questions[0])
    assert not picked.handed_off
    turn = BotTurn.objects.filter(speaker="assistant").latest("pk")
    assert turn.action == "kb_answer"
    assert turn.faq_entry is not None
    assert turn.faq_entry.question == questions[0]


def test_an_unbound_sender_gets_the_binding_link_for_personal_actions(world: World) -> None:
    reply = assistant_message(
        channel="alipay", sender="2088-stranger", text="查电费", user=world.users["admin"]
    )
    assert "绑定" in reply.text
    assert [link.path for link in reply.links] == ["/portal/accounts/bind/"]
    outage = assistant_message(
        channel="alipay", sender="2088-stranger", text="停电查询", user=world.users["admin"]
    )
    assert "/portal/outages/" in [link.path for link in outage.links]


def test_an_account_billing_does_not_serve_is_said_and_handed_over(
    world: World, chat: Chat
) -> None:
    other = second_account(world)
    BillingProfile.objects.filter(account=other).delete()  # an account billing has not taken on
    chat("查电费")
    reply = chat(other.number)
    assert "还没有接入线上服务" in reply.text
    assert reply.handed_off
    assert session_of(reply).handoff_reason == "capability"
    assert session_of(reply).handoff_intent == "bill_query"


def test_a_refused_filing_is_said_and_handed_over_without_an_order(
    world: World, chat: Chat
) -> None:
    chat("我要表扬昨天来修电的王师傅，很负责")
    # The customer unbinds the account before saying yes: service refuses to file for it.
    AccountBinding.objects.filter(account=world.account_a).update(revoked_at=timezone.now())
    reply = chat("确认")
    assert reply.handed_off
    assert "暂时无法完成" in reply.text
    assert session_of(reply).handoff_reason == "action_failed"
    assert not WorkOrder.objects.exists()


def test_an_idle_session_starts_over_and_does_not_confirm_yesterdays_order(
    world: World, chat: Chat
) -> None:
    summary = chat("卧室插座冒烟了还有焦味")
    chat("是，在用电地址")
    BotSession.objects.filter(pk=summary.session_id).update(
        last_at=timezone.now() - dt.timedelta(hours=20)
    )
    reply = chat("确认")
    assert reply.session_id != summary.session_id
    assert not WorkOrder.objects.exists()


def test_an_empty_message_is_prompted_and_leaves_the_dialogue_waiting(
    world: World, chat: Chat
) -> None:
    chat("我要报修")
    prompt = chat("   ")
    assert "请输入" in prompt.text
    assert session_of(prompt).state["pending"]["awaiting"] == "description"


def test_no_thanks_with_nothing_asked_is_not_a_miss(world: World, chat: Chat) -> None:
    chat("asdfgh qwerty")  # not understood: one miss, on the editors' list
    assert UnansweredQuestion.objects.filter(text="asdfgh qwerty").exists()
    done = chat("不用了")
    assert not done.handed_off
    assert "还有其他问题" in done.text
    assert BotTurn.objects.filter(speaker="assistant").latest("pk").action == "decline"
    again = chat("zxcvb poiuy")  # the count started over: asked again, not handed off
    assert not again.handed_off
