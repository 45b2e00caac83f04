"""Escalation risk: each signal alone and combined, keywords in traditional characters and
full-width digits, the priority thresholds, and what an order carries afterwards."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from gridcare.customers.models import Account
from gridcare.customers.services import interaction_record
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.services import OrderDraft, order_create
from gridcare.service.services.risk import (
    RiskSignals,
    risk_assess,
    risk_priority,
    risk_reason_labels,
    risk_rules,
    risk_score,
)
from gridcare.testing.personas import ACCOUNT_A, World

RULES = risk_rules()


def score(**signals: object) -> tuple[int, str, tuple[str, ...]]:
    result = risk_score(RiskSignals(**signals), RULES)  # type: ignore[arg-type]
    return result.score, result.priority, result.reasons


# --- Scoring (no database) ---


def test_no_signal_scores_zero() -> None:
    assert score(text="家里没电了", order_type="fault_repair") == (0, "normal", ())


def test_a_sensitive_customer_alone_raises_the_priority() -> None:
    assert score(sensitive=True) == (40, "high", ("sensitive_customer",))


def test_repeat_contacts_add_up_to_a_cap() -> None:
    assert score(earlier_contacts=1) == (10, "normal", ("repeat_contacts",))
    assert score(earlier_contacts=2)[0] == 20
    assert score(earlier_contacts=9)[0] == 30


def test_complaint_type_and_category_weigh() -> None:
    assert score(order_type="complaint") == (15, "normal", ("type_complaint",))
    assert score(order_type="complaint", category_group="outage") == (
        25,
        "normal",
        ("type_complaint", "category_outage"),
    )
    assert score(order_type="praise")[0] == 0


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("再不解决我就打12398", "kw_regulator"),
        ("我要打１２３４５投诉", "kw_regulator"),  # full-width digits
        ("去信訪辦反映", "kw_regulator"),
        ("我要找媒體曝光你们", "kw_media"),  # traditional 媒體
        ("已经联系了記者", "kw_media"),
        ("我会请律師起訴", "kw_legal"),
        ("这事我投訴到底", "kw_insist"),
    ],
)
def test_keywords_are_found_in_simplified_traditional_and_full_width_text(
    text: str, code: str
) -> None:
    result = risk_score(RiskSignals(text=text), RULES)
    assert code in result.reasons
    assert result.keywords


def test_a_hotline_number_inside_a_longer_number_is_not_a_keyword() -> None:
    assert score(text="户号 3100012345678 没电") == (0, "normal", ())


def test_one_keyword_group_counts_once_however_often_it_appears() -> None:
    assert score(text="媒体 记者 曝光 媒體") == (30, "normal", ("kw_media",))


def test_signals_combine_and_the_score_is_capped_at_100() -> None:
    combined = score(
        sensitive=True,
        earlier_contacts=5,
        order_type="complaint",
        category_group="outage",
        text="打12398，找记者，请律师，投诉到底",
    )
    assert combined[0] == 100
    assert combined[1] == "urgent"
    assert set(combined[2]) == {
        "sensitive_customer",
        "repeat_contacts",
        "type_complaint",
        "category_outage",
        "kw_regulator",
        "kw_media",
        "kw_legal",
        "kw_insist",
    }


def test_sensitive_plus_a_media_threat_is_urgent() -> None:
    assert score(sensitive=True, text="我要曝光")[:2] == (70, "urgent")


@pytest.mark.parametrize(
    ("value", "priority"),
    [(0, "normal"), (39, "normal"), (40, "high"), (69, "high"), (70, "urgent"), (100, "urgent")],
)
def test_priority_thresholds(value: int, priority: str) -> None:
    assert (RULES.high, RULES.urgent) == (40, 70)
    assert risk_priority(value, RULES) == priority


def test_thresholds_are_data() -> None:
    strict = dataclasses.replace(RULES, high=10, urgent=20)
    assert risk_score(RiskSignals(earlier_contacts=2), strict).priority == "urgent"


def test_reasons_have_chinese_and_english_labels() -> None:
    assert risk_reason_labels(["sensitive_customer", "kw_media"], language="zh-hans") == [
        "敏感客户",
        "扬言找媒体曝光",
    ]
    assert risk_reason_labels(["kw_legal"], language="en") == ["Threatens legal action"]
    assert risk_reason_labels(["unknown_code"], language="zh-hans") == ["unknown_code"]


# --- On orders ---


def complaint(world: World, text: str = "态度差", **fields: object) -> WorkOrder:
    draft = OrderDraft(
        order_type="complaint",
        origin="web",
        title=text,
        account_number=ACCOUNT_A,
        **fields,  # type: ignore[arg-type]
    )
    return order_create(actor=world.users["alice"], draft=draft)


def test_a_sensitive_customers_order_is_flagged_with_an_internal_note(world: World) -> None:
    Account.objects.filter(pk=world.account_a.pk).update(is_sensitive=True)
    order = WorkOrder.objects.get(pk=complaint(world).pk)

    assert (order.risk_score, order.priority) == (55, "high")
    assert order.risk_reasons == ["sensitive_customer", "type_complaint"]
    note = order.events.get(kind="note")
    assert note.public is False
    assert note.data["risk"]["score"] == 55
    assert note.data["risk"]["priority"] == "high"
    assert "敏感客户" in note.note


def test_an_unflagged_order_gets_no_risk_note(world: World) -> None:
    order = WorkOrder.objects.get(pk=complaint(world).pk)
    assert (order.risk_score, order.priority, order.risk_reasons) == (
        15,
        "normal",
        ["type_complaint"],
    )
    assert not order.events.filter(kind="note").exists()


def test_a_threat_in_the_description_with_traditional_characters_is_urgent(world: World) -> None:
    order = complaint(
        world,
        "停电三天",
        description="再不修我就找媒體曝光，还要找律師",
        category_code="outage.no_notice",
    )
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.priority == "urgent"
    assert set(order.risk_reasons) == {"type_complaint", "category_outage", "kw_media", "kw_legal"}


def test_earlier_orders_and_contacts_of_30_days_count_once_each(world: World) -> None:
    alice = world.customer_alice
    older = complaint(world)
    WorkOrder.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    complaint(world)  # counts
    for direction, ago in [("inbound", 1), ("inbound", 29), ("outbound", 1), ("inbound", 31)]:
        interaction_record(
            actor=None,
            customer_id=alice.pk,
            channel="wechat",
            direction=direction,
            summary="问停电",
            occurred_at=timezone.now() - dt.timedelta(days=ago),
        )

    order = WorkOrder.objects.get(pk=complaint(world).pk)

    # 1 order + 2 inbound contacts in 30 days; the orders' own timeline entries are the orders.
    assert "repeat_contacts" in order.risk_reasons
    assert order.risk_score == 15 + 30
    assert order.priority == "high"


def test_risk_never_lowers_a_priority_set_before(world: World) -> None:
    order = complaint(world)
    WorkOrder.objects.filter(pk=order.pk).update(priority="urgent")
    order.refresh_from_db()
    risk_assess(order=order)
    order.refresh_from_db()
    assert (order.priority, order.risk_score) == ("urgent", 15)


def test_assessing_again_does_not_repeat_the_note(world: World) -> None:
    Account.objects.filter(pk=world.account_a.pk).update(is_sensitive=True)
    order = WorkOrder.objects.get(pk=complaint(world).pk)
    risk_assess(order=order)
    assert WorkOrderEvent.objects.filter(order=order, kind="note").count() == 1


def test_assessing_an_order_costs_a_handful_of_queries(
    world: World,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    """Two counts (orders, contacts), the row update and at most one note: a storm stays cheap."""
    Account.objects.filter(pk=world.account_a.pk).update(is_sensitive=True)
    order = complaint(world)
    WorkOrder.objects.filter(pk=order.pk).update(risk_score=0, priority="normal")
    order.risk_score = 0
    with django_assert_max_num_queries(4):
        risk_assess(order=order)
    assert WorkOrderEvent.objects.filter(order=order, kind="note").count() == 2
