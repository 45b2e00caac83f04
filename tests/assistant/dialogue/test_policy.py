"""The policy on what the NLU hands it (`Understanding`, the interface between the two):
the month and address entities fill their slots, anger goes to a person, a 户号 entity of
someone else's is refused; and the dialogue's own yes / no / cancel words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from gridcare.assistant.nlu import Entities, Understanding
from gridcare.assistant.selectors.party import party_accounts
from gridcare.assistant.services.actions.base import Party, Step
from gridcare.assistant.services.dialogue_policy import Message, Policy
from gridcare.assistant.services.dialogue_words import (
    account_chosen,
    accounts_named,
    is_cancel,
    is_no,
    is_yes,
)
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.billing.factory import make_bill


def understood(
    text: str, intent: str, *, anger: bool = False, **entities: tuple[str, ...]
) -> Understanding:
    return Understanding(
        text=text,
        normalized=text,
        intent=intent,
        confidence=0.95,
        ranking=((intent, 0.95),),
        entities=Entities(**entities),
        anger=anger,
    )


def decide(
    world: World, understanding: Understanding, state: dict[str, Any] | None = None
) -> tuple[Policy, Step]:
    alice = world.users["alice"]
    party = Party(
        channel="web_chat",
        customer_id=world.customer_alice.pk,
        actor=alice,
        accounts=party_accounts(actor=alice, customer_id=world.customer_alice.pk),
        today=timezone.localdate(),
    )
    policy = Policy(
        party=party, state=state or {}, message=Message(understanding.text, understanding, "1")
    )
    return policy, policy.decide()


def test_a_month_entity_picks_that_months_bill(world: World) -> None:
    make_bill(world.account_a, period=dt.date(2026, 9, 1), total="99.00")
    make_bill(world.account_a, period=dt.date(2026, 10, 1), total="128.50")

    step = decide(world, understood("九月份电费多少", "bill_query", months=("2026-09",)))[1]

    assert "2026年9月" in step.text
    assert "¥99.00" in step.text


def test_a_month_without_a_bill_says_so_and_offers_the_latest(world: World) -> None:
    make_bill(world.account_a, period=dt.date(2026, 10, 1), total="128.50")

    step = decide(world, understood("去年三月的电费", "bill_query", months=("2025-03",)))[1]

    assert "没有2025年3月的账单" in step.text
    assert "最近一期是2026年10月" in step.text
    assert step.options == ("查最近一期账单",)


def test_an_address_in_the_repair_message_skips_the_where_question(world: World) -> None:
    policy, step = decide(
        world,
        understood(
            "天河区石牌街道华师路8号门口电线掉下来了",
            "fault_report",
            addresses=("天河区石牌街道华师路8号",),
        ),
    )
    assert step.action == "confirm"
    assert "地点：天河区石牌街道华师路8号" in step.text
    assert policy.state["pending"]["slots"]["address"] == "天河区石牌街道华师路8号"


def test_anger_goes_to_a_person_whatever_was_pending(world: World) -> None:
    pending = {"pending": {"intent": "fault_report", "awaiting": "description", "slots": {}}}
    step = decide(world, understood("你们太气人了！", "complaint", anger=True), pending)[1]
    assert (step.handoff, step.intent) == ("anger", "fault_report")


def test_someone_elses_account_entity_is_refused_without_a_read(world: World) -> None:
    step = decide(world, understood("查下这个户号", "bill_query", account_numbers=(ACCOUNT_B,)))[1]
    assert step.action == "account_not_bound"
    assert step.options == (ACCOUNT_A,)


@pytest.mark.parametrize(
    "text", ["是", "是的", "好的呀", "确认", "确认提交", "OK", "嗯嗯", "对的", "可以的", "好的谢谢"]
)
def test_yes_words(text: str) -> None:
    assert is_yes(text)
    assert not is_no(text)


@pytest.mark.parametrize(
    "text", ["不", "不是", "不用了谢谢", "取消", "算了吧", "不要", "No", "先不用"]
)
def test_no_words(text: str) -> None:
    assert is_no(text)
    assert not is_yes(text)


@pytest.mark.parametrize("text", ["好久没来电了", "是不是停电了", "确认一下我的电费", "不知道"])
def test_sentences_that_start_like_a_yes_or_no_are_neither(text: str) -> None:
    assert not is_yes(text)
    assert not is_no(text)
    assert not is_cancel(text)


def test_account_answers_by_number_position_or_tail() -> None:
    numbers = ("3100000000001", "3100000000009")
    assert account_chosen("第2个", numbers, named=()) == "3100000000009"
    assert account_chosen("尾号0001", numbers, named=()) == "3100000000001"
    assert account_chosen("00", numbers, named=()) == ""  # too short to be a tail
    assert account_chosen("随便", numbers, named=()) == ""


def test_a_mobile_number_is_not_taken_for_an_account() -> None:
    assert accounts_named("我手机13800000001，户号3100000000002", ()) == ("3100000000002",)
