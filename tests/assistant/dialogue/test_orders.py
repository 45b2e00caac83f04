"""Orders the assistant files: nothing before the customer says yes to the summary, nothing
at all after a cancel; the right 95598 type; a repair from inside a known outage joins the
outage's repair order; a retried "yes" files once."""

from __future__ import annotations

import pytest

from gridcare.assistant.models import BotTurn
from gridcare.service.models import WorkOrder
from gridcare.testing.personas import ACCOUNT_A, World
from tests.assistant.dialogue.conftest import Chat, second_account, session_of
from tests.outages.factory import outage_make


def test_a_repair_is_asked_what_and_where_then_confirmed_before_it_is_filed(
    world: World, chat: Chat
) -> None:
    what = chat("我要报修")
    assert "描述" in what.text
    where = chat("家里全屋没电，空开合不上")
    assert "用电地址" in where.text
    assert "华师路 ** 号 * 栋 ***" in where.text
    summary = chat("是，在用电地址")
    assert "请确认故障报修信息" in summary.text
    assert "家里全屋没电，空开合不上" in summary.text
    assert summary.options == ("确认", "取消")
    assert not WorkOrder.objects.exists()

    done = chat("确认")

    order = WorkOrder.objects.get()
    assert (order.order_type, order.origin) == ("fault_repair", "assistant")
    assert order.account.number == ACCOUNT_A
    assert order.description == "家里全屋没电，空开合不上"
    assert order.category.code == "fault.low_voltage.no_power"
    assert order.address.endswith("华师路 12 号 3 栋 501")
    assert order.number in done.text
    assert done.links[0].path == f"/portal/orders/{order.number}/"
    assert session_of(done).state.get("pending") is None


def test_a_repair_message_that_says_what_happened_skips_that_question(
    world: World, chat: Chat
) -> None:
    reply = chat("卧室插座冒烟了还有焦味")
    assert "用电地址" in reply.text
    summary = chat("不在家里，在小区门口的电线杆旁边")
    assert "小区门口的电线杆旁边" in summary.text
    chat("好的")
    order = WorkOrder.objects.get()
    assert order.address == "不在家里，在小区门口的电线杆旁边"


def test_no_to_the_supply_address_asks_where_instead(world: World, chat: Chat) -> None:
    chat("卧室插座冒烟了还有焦味")
    where = chat("不是")
    assert "具体地址" in where.text
    summary = chat("石牌街道华师路 20 号门口")
    assert "地点：石牌街道华师路 20 号门口" in summary.text


@pytest.mark.parametrize("no", ["取消", "不用了", "算了吧", "不"])
def test_cancel_at_the_confirmation_files_nothing(world: World, chat: Chat, no: str) -> None:
    chat("卧室插座冒烟了还有焦味")
    chat("是，在用电地址")
    reply = chat(no)
    assert "已取消" in reply.text
    assert not WorkOrder.objects.exists()
    assert session_of(reply).state.get("pending") is None


def test_cancel_while_describing_files_nothing(world: World, chat: Chat) -> None:
    chat("我要报修")
    assert "已取消" in chat("算了").text
    assert "确认" not in chat("好的").text  # nothing is waiting for a yes any more
    assert not WorkOrder.objects.exists()


def test_an_unclear_answer_to_the_confirmation_asks_again(world: World, chat: Chat) -> None:
    chat("卧室插座冒烟了还有焦味")
    chat("是，在用电地址")
    again = chat("嗯……那个")
    assert "确认" in again.text
    assert not WorkOrder.objects.exists()


def test_a_new_question_at_the_confirmation_replaces_the_repair(world: World, chat: Chat) -> None:
    chat("卧室插座冒烟了还有焦味")
    chat("是，在用电地址")
    switched = chat("查电费")
    assert "账单" in switched.text
    assert "确认" not in chat("好的").text
    assert not WorkOrder.objects.exists()


def test_a_retried_yes_files_one_order(world: World, chat: Chat) -> None:
    chat("卧室插座冒烟了还有焦味")
    chat("是，在用电地址")
    first = chat("确认", message_id="wx-yes-1")
    again = chat("确认", message_id="wx-yes-1")
    assert again == first
    assert WorkOrder.objects.count() == 1


def test_a_repair_inside_a_known_outage_joins_its_repair_order(world: World, chat: Chat) -> None:
    from gridcare.service.services.outage_orders import outage_order_open

    outage = outage_make(accounts=[world.account_a])
    parent = outage_order_open(outage=outage)
    assert parent is not None

    chat("家里没电了，空开跳闸合不上，麻烦派人来修")
    summary = chat("是，在用电地址")
    assert f"您所在区域正在停电（编号 {outage.number}）" in summary.text
    assert "预计" in summary.text
    done = chat("确认")

    order = WorkOrder.objects.exclude(pk=parent.pk).get()
    assert order.state == "merged"
    assert order.parent_id == parent.pk
    assert "并入" in done.text


@pytest.mark.parametrize(
    ("opening", "order_type", "category"),
    [
        ("我要投诉你们的抄表员，上门态度很差", "complaint", None),
        ("我有个建议，希望缴费提醒能提前三天发", "suggestion", "suggestion.service"),
        ("我要表扬昨天来修电的王师傅，很负责", "praise", "praise.staff"),
    ],
)
def test_complaint_suggestion_and_praise_become_their_95598_order(
    world: World, chat: Chat, opening: str, order_type: str, category: str | None
) -> None:
    summary = chat(opening)
    assert "确认提交吗" in summary.text
    assert not WorkOrder.objects.exists()
    chat("确认")
    order = WorkOrder.objects.get()
    assert order.order_type == order_type
    assert (order.category.code if order.category else None) == category
    assert order.description == opening


def test_a_complaint_of_a_customer_with_two_accounts_asks_which_account(
    world: World, chat: Chat
) -> None:
    other = second_account(world)
    question = chat("我要投诉你们的抄表员，上门态度很差")
    assert "哪一个" in question.text
    summary = chat(other.number)
    assert other.number in summary.text
    chat("确认")
    assert WorkOrder.objects.get().account == other


def test_each_step_of_the_dialogue_is_recorded(world: World, chat: Chat) -> None:
    chat("卧室插座冒烟了还有焦味")
    chat("是，在用电地址")
    chat("确认")
    actions = list(BotTurn.objects.filter(speaker="assistant").values_list("action", flat=True))
    assert actions == ["ask_address", "confirm", "order_create"]
    customer = BotTurn.objects.filter(speaker="customer").first()
    assert customer is not None
    assert customer.intent == "fault_report"
    assert customer.confidence > 0.5
    assert customer.latency_ms is not None
