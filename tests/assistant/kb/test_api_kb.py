"""/api/v1/assistant/faq… and /unanswered: what they answer and how they refuse (every
refusal a dotted code and a Chinese message; unknown codes 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.assistant.models import FaqEntry
from gridcare.assistant.services.kb import unanswered_log
from gridcare.assistant.services.kb_edit import faq_deactivate
from gridcare.testing.personas import World
from tests.api.conftest import assert_chinese_error, validate_response

API = "/api/v1/assistant"
GOOD = {
    "code": "service-power-bank",
    "category": "service",
    "question": "营业厅提供充电宝吗？",
    "variants": ["营业厅能借充电宝吗", "营业厅有充电宝吗", "营业厅能给手机充电吗"],
    "answer": "部分营业厅提供免费充电宝，以公示为准。",
    "source": "营业厅便民服务",
}


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(f"{API}/faq", body, content_type="application/json")


def test_the_public_list_holds_every_active_entry_valid_today(db: None) -> None:
    FaqEntry.objects.filter(code="saving-fridge").update(active=False)
    FaqEntry.objects.filter(code="saving-lighting").update(
        valid_to=timezone.localdate() - dt.timedelta(days=1)
    )
    expected = FaqEntry.objects.filter(active=True).count() - 1

    first = validate_response(Client().get(f"{API}/faq"))
    codes = [item["code"] for item in first["items"]]

    assert first["count"] == expected
    assert len(codes) == 50
    everything = [
        item["code"]
        for page in range(1, 6)
        for item in Client().get(f"{API}/faq?page={page}").json()["items"]
    ]
    assert "saving-fridge" not in everything
    assert "saving-lighting" not in everything
    assert (first["items"][0]["category"], first["items"][0]["category_label"]) == (
        "account",
        "户号与绑定",
    )


def test_a_category_narrows_the_list(db: None) -> None:
    body = Client().get(f"{API}/faq?category=ev").json()
    assert body["count"] == FaqEntry.objects.filter(category="ev", active=True).count() > 0
    assert {item["category"] for item in body["items"]} == {"ev"}


def test_q_ranks_relevant_entries_with_their_scores(db: None) -> None:
    body = validate_response(Client().get(f"{API}/faq", {"q": "電費違約金怎麼計算"}))
    items = body["items"]
    assert items[0]["code"] == "pay-late-fee-residential"
    assert all(item["score"] > 0 for item in items)
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert 0 < body["count"] <= 20

    nothing = Client().get(f"{API}/faq", {"q": "今天天气怎么样"}).json()
    assert nothing == {"items": [], "count": 0}

    narrowed = Client().get(f"{API}/faq", {"q": "违约金", "category": "ev"}).json()
    assert narrowed["count"] == 0


def test_one_entry_by_code_and_unknown_or_inactive_ones_404(world: World, client_for) -> None:
    body = Client().get(f"{API}/faq/pay-channels").json()
    assert body["code"] == "pay-channels"
    assert body["variants"]
    assert body["version"] >= 1

    missing = Client().get(f"{API}/faq/no-such-entry")
    assert missing.status_code == 404
    assert_chinese_error(missing.json(), "assistant.faq.not_found")

    faq_deactivate(actor=world.users["admin"], code="pay-channels")
    assert Client().get(f"{API}/faq/pay-channels").status_code == 404
    assert client_for("agent_s1").get(f"{API}/faq/pay-channels").status_code == 404
    editor = client_for("manager").get(f"{API}/faq/pay-channels").json()
    assert editor["active"] is False


@pytest.mark.parametrize("code", ["Bad_Code", "x" * 65, "a--b", "中文"])
def test_a_malformed_code_in_the_path_is_a_400(db: None, code: str) -> None:
    response = Client().get(f"{API}/faq/{code}")
    assert response.status_code == 400
    assert_chinese_error(response.json(), "assistant.faq.bad_code")


@pytest.mark.parametrize(
    ("query", "status"),
    [({"category": "weather"}, 400), ({"q": "问" * 201}, 422), ({"page": "0"}, 422)],
)
def test_bad_list_parameters_are_refused(db: None, query: dict[str, str], status: int) -> None:
    response = Client().get(f"{API}/faq", query)
    assert response.status_code == status
    assert_chinese_error(response.json())


def test_an_editor_creates_an_entry_the_bot_answers_at_once(world: World, client_for) -> None:
    response = post(client_for("manager"), GOOD)

    assert response.status_code == 201
    body = validate_response(response)
    assert (body["code"], body["version"], body["active"]) == ("service-power-bank", 1, True)
    searched = Client().get(f"{API}/faq", {"q": "营业厅能不能借充电宝"}).json()
    assert searched["items"][0]["code"] == "service-power-bank"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"question": "  "}, 400, "assistant.faq.question_required"),
        ({"answer": ""}, 400, "assistant.faq.answer_required"),
        ({"question": "问" * 201}, 400, "assistant.faq.question_too_long"),
        ({"answer": "答" * 2001}, 400, "assistant.faq.answer_too_long"),
        ({"variants": [f"问法{i}" for i in range(31)]}, 400, "assistant.faq.too_many_variants"),
        ({"variants": ["长" * 201]}, 400, "assistant.faq.variant_too_long"),
        ({"category": "weather"}, 400, "assistant.faq.bad_category"),
        ({"code": "Bad Code"}, 400, "assistant.faq.bad_code"),
        ({"valid_from": "2026-09-01", "valid_to": "2026-08-31"}, 400, "assistant.faq.bad_validity"),
        ({"code": "pay-channels"}, 409, "assistant.faq.duplicate_code"),
        ({"valid_from": "not a date"}, 422, "request.invalid"),
        ({"colour": "red"}, 422, "request.invalid"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_a_chinese_message(
    world: World, client_for, change: dict[str, Any], status: int, code: str
) -> None:
    before = FaqEntry.objects.count()

    response = post(client_for("admin"), {**GOOD, **change})

    assert response.status_code == status, response.content
    assert_chinese_error(response.json(), code)
    assert FaqEntry.objects.count() == before


def test_a_put_with_a_stale_version_is_a_409_and_changes_nothing(world: World, client_for) -> None:
    entry = FaqEntry.objects.get(code="saving-lighting")
    body = {
        "category": entry.category,
        "question": entry.question,
        "variants": entry.variants,
        "answer": "新的答案。",
        "version": entry.version,
    }
    manager = client_for("manager")
    first = manager.put(f"{API}/faq/saving-lighting", body, content_type="application/json")
    assert first.status_code == 200
    assert first.json()["version"] == entry.version + 1

    stale = manager.put(
        f"{API}/faq/saving-lighting",
        {**body, "answer": "过期的答案。"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert_chinese_error(stale.json(), "assistant.faq.changed")
    assert FaqEntry.objects.get(code="saving-lighting").answer == "新的答案。"

    unknown = manager.put(f"{API}/faq/no-such-entry", body, content_type="application/json")
    assert unknown.status_code == 404


def test_the_unanswered_list_is_most_asked_first_with_numbers_masked(
    world: World, client_for
) -> None:
    for _ in range(3):
        unanswered_log(text="小区门禁卡丢了", channel="wechat")
    unanswered_log(text="我手机13812345678能改户名吗", channel="portal")

    body = validate_response(client_for("analyst").get(f"{API}/unanswered"))

    assert [(i["text"], i["count"]) for i in body["items"]] == [
        ("小区门禁卡丢了", 3),
        ("我手机138****5678能改户名吗", 1),
    ]
    assert "13812345678" not in str(body)
    assert client_for("analyst").get(f"{API}/unanswered?status=dismissed").json()["count"] == 0
    bad = client_for("analyst").get(f"{API}/unanswered?status=closed")
    assert bad.status_code == 422
