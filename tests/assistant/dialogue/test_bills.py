"""bill_query, payment and reconnect end to end: the real bill with its amount, kWh, due
date and status; the pay link; arrears and the reconnection order — and nothing of an
account that is not the customer's."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gridcare.assistant.models import BotTurn
from gridcare.billing.selectors.bills import month_shift
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.assistant.dialogue.conftest import Chat, second_account
from tests.billing.factory import make_bill, make_payment


def test_the_latest_bill_with_amount_usage_due_date_and_status(world: World, chat: Chat) -> None:
    today = timezone.localdate()
    last_month = month_shift(today.replace(day=1), -1)
    due = today + dt.timedelta(days=5)
    make_bill(world.account_a, period=month_shift(last_month, -1), total="100.00", kwh="200")
    latest = make_bill(world.account_a, period=last_month, total="128.50", kwh="215", due_date=due)

    reply = chat("我这个月电费多少钱")

    # This month is not billed yet: the latest bill is what the customer means.
    assert reply.text.startswith(f"{today.year}年{today.month}月的电费还没有出账")
    assert f"{last_month.year}年{last_month.month}月电费账单" in reply.text
    assert "¥128.50" in reply.text
    assert "215 度" in reply.text
    assert f"缴费截止日 {due.year}年{due.month}月{due.day}日" in reply.text
    assert "待缴 ¥128.50" in reply.text
    assert "较上月增加 8%" in reply.text  # 215 against 200 kWh
    assert ("查看账单", f"/portal/billing/bills/{latest.number}/") in [
        (link.label, link.path) for link in reply.links
    ]
    assert any(link.path == f"/portal/billing/accounts/{ACCOUNT_A}/pay/" for link in reply.links)
    turn = BotTurn.objects.filter(speaker="assistant").get()
    assert (turn.action, turn.intent) == ("bill_query", "bill_query")
    assert turn.data["bill"] == latest.number


def test_a_paid_bill_says_so_and_offers_no_pay_link(world: World, chat: Chat) -> None:
    bill = make_bill(world.account_a, period=dt.date(2026, 10, 1), total="80.00")
    make_payment(world.account_a, amount="80.00", bill=bill)

    reply = chat("查电费")

    assert "已缴清" in reply.text
    assert not any("pay" in link.path for link in reply.links)


def test_no_bill_yet_is_said_plainly(world: World, chat: Chat) -> None:
    reply = chat("查电费")
    assert "还没有出账" in reply.text


def test_a_customer_with_two_accounts_is_asked_which_one_and_the_answer_is_remembered(
    world: World, chat: Chat
) -> None:
    other = second_account(world)
    make_bill(other, period=dt.date(2026, 10, 1), total="66.60")

    question = chat("查电费")
    assert "哪一个" in question.text
    assert set(question.options) == {ACCOUNT_A, other.number}

    answer = chat(other.number)
    assert "¥66.60" in answer.text
    assert other.number in answer.text

    again = chat("交电费")  # the account chosen stays the subject
    assert other.number in again.text
    assert "哪一个" not in again.text


def test_the_account_can_be_chosen_by_its_position_or_its_last_digits(
    world: World, chat: Chat
) -> None:
    other = second_account(world)
    chat("查电费")
    assert ACCOUNT_A in chat("第1个").text
    chat("再见")
    chat("查电费")
    assert other.number in chat(f"尾号{other.number[-4:]}的").text


def test_another_customers_account_is_never_looked_up_nor_described(
    world: World, chat: Chat
) -> None:
    make_bill(world.account_b, period=dt.date(2026, 10, 1), total="233.30")

    reply = chat(f"帮我查一下户号{ACCOUNT_B}的电费")

    assert "没有绑定在您的账号下" in reply.text
    assert "233.30" not in reply.text
    assert "李" not in reply.text
    assert any(link.path == "/portal/accounts/bind/" for link in reply.links)
    turns = BotTurn.objects.filter(speaker="assistant")
    assert not any("233.30" in str(t.data) for t in turns)


def test_an_unknown_account_number_gets_the_same_answer_as_someone_elses(
    world: World, chat: Chat
) -> None:
    someone_else = chat(f"查询{ACCOUNT_B}的账单").text
    chat("取消")
    nobody = chat("查询3199999999999的账单").text
    assert someone_else.replace(ACCOUNT_B, "N") == nobody.replace("3199999999999", "N")


def test_payment_gives_the_amount_due_and_the_pay_page(world: World, chat: Chat) -> None:
    not_due = timezone.localdate() + dt.timedelta(days=10)
    make_bill(world.account_a, period=dt.date(2026, 10, 1), total="128.50", due_date=not_due)

    reply = chat("我要交电费")

    assert "应缴 ¥128.50" in reply.text
    assert [link.path for link in reply.links] == [f"/portal/billing/accounts/{ACCOUNT_A}/pay/"]


def test_a_prepaid_account_is_offered_a_top_up_with_its_balance(world: World) -> None:
    from tests.assistant.dialogue.conftest import say

    reply = say(world, "交电费", persona="bob")

    assert "预付费" in reply.text
    assert "余额 ¥0.00" in reply.text
    assert reply.links[0].path == f"/portal/billing/accounts/{ACCOUNT_B}/pay/"


def test_reconnect_states_the_arrears_with_the_late_fee(world: World, chat: Chat) -> None:
    make_bill(
        world.account_a,
        period=dt.date(2026, 8, 1),
        total="200.00",
        due_date=dt.date(2026, 9, 15),
    )

    reply = chat("欠费停电了，交了钱什么时候来电")

    assert "当前欠费" in reply.text
    assert "违约金" in reply.text
    assert "缴清后系统会自动生成复电工单" in reply.text
    assert reply.links[0].path == f"/portal/billing/accounts/{ACCOUNT_A}/pay/"


def test_an_answer_that_names_no_account_is_asked_again_then_goes_to_a_person(
    world: World, chat: Chat
) -> None:
    other = second_account(world)
    chat("查电费")
    again = chat("嗯……")
    assert "请从下面选择户号" in again.text
    assert set(again.options) == {ACCOUNT_A, other.number}
    assert chat("啊这个").handed_off  # the second answer in a row that says nothing
