"""/api/v1/service/orders: intake, the inbox, the detail, actions and notes, as each persona
meets them. Every answer is checked against the OpenAPI document (tests/api/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.customers.models import Interaction
from gridcare.service.models import SlaClock, WorkOrder, WorkOrderEvent
from gridcare.service.order_selectors import CHINA
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.api.conftest import assert_chinese_error, validate_response

API = "/api/v1/service"
ClientFor = Callable[[str], Client]


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def repair(world: World, actor: str = "alice", **fields: Any) -> WorkOrder:
    draft = OrderDraft(
        order_type=fields.pop("order_type", "fault_repair"),
        origin=fields.pop("origin", "web"),
        title=fields.pop("title", "家里没电了"),
        account_number=fields.pop("account_number", ACCOUNT_A),
        **fields,
    )
    return order_create(actor=world.users[actor], draft=draft)


def dispatched(world: World) -> WorkOrder:
    order = repair(world)
    return order_act(
        actor=world.users["agent_s1"],
        number=order.number,
        action="dispatch",
        team_id=world.team_1.pk,
    )


# --- Intake ---


def test_alice_reports_a_fault_on_her_account_and_gets_it_back_masked(
    world: World, client_for: ClientFor
) -> None:
    body = {
        "order_type": "fault_repair",
        "origin": "h5",
        "title": "整栋楼停电",
        "description": "晚上八点开始停电",
        "account_number": ACCOUNT_A,
        "contact_name": "张三丰",
        "contact_mobile": "+86 138-0000-0009",
        "address": "华师路 12 号 3 栋 501",
        "latitude": 23.1372049,
        "longitude": 113.3472,
    }

    response = post(client_for("alice"), "/orders", body)

    assert response.status_code == 201, response.content
    payload = validate_response(response)
    order = WorkOrder.objects.get(number=payload["number"])
    assert order.customer == world.customer_alice
    assert order.org_unit == world.station_1
    assert order.contact_mobile == "13800000009"
    assert str(order.latitude) == "23.137205"
    assert payload["contact_mobile_masked"] == "138****0009"
    assert payload["contact_name_masked"] == "张*丰"
    assert payload["customer_name_masked"] == "张*丰"
    assert payload["address_masked"] == "华师路 ** 号 * 栋 ***"
    assert "13800000009" not in response.content.decode()
    assert payload["state"] == "accepted"
    assert payload["allowed_actions"] == ["cancel"]
    assert payload["risk_score"] is None
    assert [event["kind"] for event in payload["events"]] == ["created"]
    assert payload["events"][0]["actor"] is None


def test_a_customer_may_not_claim_a_staff_channel_and_nothing_is_stored(
    world: World, client_for: ClientFor
) -> None:
    body = {
        "order_type": "complaint",
        "origin": "hotline",
        "title": "x",
        "account_number": ACCOUNT_A,
    }

    response = post(client_for("alice"), "/orders", body)

    assert response.status_code == 403
    assert_chinese_error(validate_response(response), "service.order.origin_not_allowed")
    assert not WorkOrder.objects.exists()


def test_a_customer_filing_on_an_account_not_bound_to_them_gets_a_404(
    world: World, client_for: ClientFor
) -> None:
    body = {"order_type": "complaint", "origin": "web", "title": "x", "account_number": ACCOUNT_B}

    response = post(client_for("alice"), "/orders", body)

    assert response.status_code == 404
    assert_chinese_error(validate_response(response), "service.account.not_found")
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"account_number": "3100000000999"}, 404, "service.account.not_found"),
        ({"transformer_code": "NO-SUCH-TR"}, 404, "service.transformer.not_found"),
        ({"customer_id": 987654}, 404, "service.customer.not_found"),
        ({}, 400, "service.order.location_required"),
        ({"account_number": ACCOUNT_A, "title": "   "}, 400, "service.order.title_required"),
        ({"account_number": ACCOUNT_A, "title": "x" * 201}, 400, "service.order.title_too_long"),
        ({"account_number": ACCOUNT_A, "latitude": 91}, 400, "service.order.bad_latitude"),
        ({"account_number": ACCOUNT_A, "longitude": -180.5}, 400, "service.order.bad_longitude"),
        ({"account_number": ACCOUNT_A, "contact_mobile": "12345"}, 400, "core.mobile.invalid"),
        ({"account_number": "31000"}, 400, "customers.account.number_invalid"),
        ({"account_number": ACCOUNT_A, "category_code": "nope"}, 400, "service.order.bad_category"),
        ({"account_number": ACCOUNT_A, "order_type": "gossip"}, 422, "request.invalid"),
        ({"account_number": ACCOUNT_A, "title": None}, 422, "request.invalid"),
        ({"account_number": ACCOUNT_A, "colour": "red"}, 422, "request.invalid"),
    ],
)
def test_bad_intake_is_refused_with_a_coded_chinese_error_and_stores_nothing(
    world: World, client_for: ClientFor, fields: dict[str, Any], status: int, code: str
) -> None:
    body = {"order_type": "complaint", "origin": "web", "title": "停电投诉"} | fields
    body = {key: value for key, value in body.items() if value is not None}

    response = post(client_for("agent_s1"), "/orders", body)

    assert response.status_code == status, response.content
    assert_chinese_error(validate_response(response), code)
    assert not WorkOrder.objects.exists()
    assert not Interaction.objects.exists()


def test_a_hotline_order_without_the_calls_data_stores_neither_order_nor_contact(
    world: World, client_for: ClientFor
) -> None:
    body = {
        "order_type": "complaint",
        "origin": "hotline",
        "title": "抄表不准",
        "account_number": ACCOUNT_A,
        "contact_data": {"recording_ref": "rec-9"},
    }

    response = post(client_for("agent_s1"), "/orders", body)

    assert response.status_code == 400
    body_out = validate_response(response)
    assert_chinese_error(body_out, "customers.interaction.bad_data")
    assert not WorkOrder.objects.exists()
    assert not Interaction.objects.exists()


def test_a_hotline_order_with_the_call_lands_on_the_timeline_with_its_recording(
    world: World, client_for: ClientFor
) -> None:
    body = {
        "order_type": "complaint",
        "origin": "hotline",
        "title": "抄表不准",
        "account_number": ACCOUNT_A,
        "contact_data": {"recording_ref": "rec-9", "duration_seconds": 120},
        "source_ref": "CTI-1",
    }

    response = post(client_for("agent_s1"), "/orders", body)

    assert response.status_code == 201, response.content
    number = validate_response(response)["number"]
    entry = Interaction.objects.get(links__work_order=number)
    assert entry.channel == "hotline"
    assert entry.data["recording_ref"] == "rec-9"


def test_the_same_source_ref_answers_201_with_the_first_order_and_stores_nothing_new(
    world: World, client_for: ClientFor
) -> None:
    body = {
        "order_type": "fault_repair",
        "origin": "wechat",
        "title": "停电",
        "account_number": ACCOUNT_A,
        "source_ref": "conv-42",
    }
    client = client_for("alice")

    first = post(client, "/orders", body)
    again = post(client, "/orders", body | {"title": "又停电"})

    assert first.status_code == again.status_code == 201
    assert validate_response(first)["number"] == validate_response(again)["number"]
    assert validate_response(again)["title"] == "停电"
    assert WorkOrder.objects.count() == 1
    assert WorkOrderEvent.objects.count() == 1


def test_someone_elses_source_ref_never_hands_over_their_order(
    world: World, client_for: ClientFor
) -> None:
    repair(world, origin="wechat", source_ref="conv-42", title="张三丰家停电")
    body = {
        "order_type": "fault_repair",
        "origin": "wechat",
        "title": "停电",
        "account_number": ACCOUNT_B,
        "source_ref": "conv-42",
    }

    response = post(client_for("bob"), "/orders", body)

    assert response.status_code == 409
    assert_chinese_error(validate_response(response), "service.order.source_ref_taken")
    assert "张三丰" not in response.content.decode()
    assert WorkOrder.objects.count() == 1


def test_script_in_free_text_is_stored_as_given_and_returned_as_json_text(
    world: World, client_for: ClientFor
) -> None:
    script = "<script>alert('x')</script>"
    body = {
        "order_type": "complaint",
        "origin": "web",
        "title": script,
        "description": f"第一行\n{script}",
        "account_number": ACCOUNT_A,
    }

    response = post(client_for("alice"), "/orders", body)

    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    payload = validate_response(response)
    assert payload["title"] == script
    assert WorkOrder.objects.get(number=payload["number"]).description == f"第一行\n{script}"


def test_crew_and_analysts_may_not_file_orders(world: World, client_for: ClientFor) -> None:
    body = {"order_type": "complaint", "origin": "web", "title": "x", "account_number": ACCOUNT_A}
    for persona in ("crew", "analyst"):
        response = post(client_for(persona), "/orders", body)

        assert response.status_code == 403, persona
        assert_chinese_error(validate_response(response), "core.permission_denied")
    assert not WorkOrder.objects.exists()


# --- The inbox ---


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in validate_response(response)["items"]]


def test_the_inbox_filters_by_state_type_text_and_day(world: World, client_for: ClientFor) -> None:
    accepted = repair(world, title="路灯不亮")
    moved = dispatched(world)
    complaint = repair(world, order_type="complaint", title="态度差")
    client = client_for("agent_s1")

    assert numbers(client.get(f"{API}/orders")) == [
        complaint.number,
        moved.number,
        accepted.number,
    ]
    assert numbers(client.get(f"{API}/orders?state=dispatched")) == [moved.number]
    assert set(numbers(client.get(f"{API}/orders?state=accepted,dispatched"))) == {
        accepted.number,
        moved.number,
        complaint.number,
    }
    assert numbers(client.get(f"{API}/orders?order_type=complaint")) == [complaint.number]
    assert numbers(client.get(f"{API}/orders?q=路灯")) == [accepted.number]
    assert numbers(client.get(f"{API}/orders?q={moved.number}")) == [moved.number]
    assert numbers(client.get(f"{API}/orders?team={world.team_1.pk}")) == [moved.number]
    assert numbers(client.get(f"{API}/orders?sort=created_at"))[0] == accepted.number
    today = accepted.created_at.astimezone(CHINA).date().isoformat()
    assert len(numbers(client.get(f"{API}/orders?created_from={today}&created_to={today}"))) == 3
    assert numbers(client.get(f"{API}/orders?created_to=2001-01-01")) == []
    assert numbers(client.get(f"{API}/orders?created_from=0001-01-01")) != []


def test_the_inbox_filters_by_org_unit_subtree_within_the_readers_scope(
    world: World, client_for: ClientFor
) -> None:
    mine = repair(world)
    theirs = repair(world, actor="bob", account_number=ACCOUNT_B)

    manager = client_for("manager")
    assert numbers(manager.get(f"{API}/orders?org_unit={world.station_2.pk}")) == [theirs.number]
    assert len(numbers(manager.get(f"{API}/orders?org_unit={world.bureau.pk}"))) == 2
    # A filter never widens the scope: agent_s1 asking for S2 gets nothing.
    agent = client_for("agent_s1")
    assert numbers(agent.get(f"{API}/orders?org_unit={world.station_2.pk}")) == []
    assert numbers(agent.get(f"{API}/orders")) == [mine.number]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("alice", ["a"]), ("bob", ["b"]), ("crew", []), ("agent_s2", ["b"]), ("analyst", ["b", "a"])],
)
def test_each_persona_lists_only_the_orders_of_their_scope(
    world: World, client_for: ClientFor, persona: str, expected: list[str]
) -> None:
    orders = {"a": repair(world), "b": repair(world, actor="bob", account_number=ACCOUNT_B)}

    listed = numbers(client_for(persona).get(f"{API}/orders"))

    assert listed == [orders[key].number for key in expected]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("state=open", 400, "service.order.bad_state_filter"),
        ("state=accepted,,taken", 400, "service.order.bad_state_filter"),
        ("sort=title", 422, "request.invalid"),
        ("page=0", 422, "request.invalid"),
        ("page=1.5", 422, "request.invalid"),
        ("page_size=201", 422, "request.invalid"),
        ("team=abc", 422, "request.invalid"),
        ("team=99999999999999999999", 422, "request.invalid"),
        ("created_from=2026-02-31", 422, "request.invalid"),
        ("created_to=0", 422, "request.invalid"),
        ("created_to=20261201", 422, "request.invalid"),
        ("order_type=gossip", 422, "request.invalid"),
        ("q=" + "x" * 101, 400, "request.param.too_long"),
        ("q=%1b", 400, "request.param.bad_text"),
    ],
)
def test_a_malformed_inbox_parameter_is_a_clear_client_error(
    world: World, client_for: ClientFor, query: str, status: int, code: str
) -> None:
    response = client_for("agent_s1").get(f"{API}/orders?{query}")

    assert response.status_code == status, response.content
    assert_chinese_error(validate_response(response), code)


def test_the_inbox_page_costs_a_fixed_number_of_queries(
    world: World, client_for: ClientFor, django_assert_max_num_queries: Any
) -> None:
    for _ in range(12):
        dispatched(world)
    client = client_for("agent_s1")

    # Session and user, scope, count, page ids, rows, their SLA clocks (one prefetch).
    with django_assert_max_num_queries(10):
        response = client.get(f"{API}/orders?page_size=10")

    page = validate_response(response)
    assert len(page["items"]) == 10
    assert page["count"] == 12
    assert page["items"][0]["team"]["code"] == "T1"


# --- Detail ---


def test_customers_see_public_events_only_and_staff_see_internal_notes(
    world: World, client_for: ClientFor
) -> None:
    order = dispatched(world)
    post(client_for("agent_s1"), f"/orders/{order.number}/notes", {"note": "内部：带绝缘梯"})
    post(
        client_for("agent_s1"),
        f"/orders/{order.number}/notes",
        {"note": "师傅已出发", "public": True},
    )

    customer_view = validate_response(client_for("alice").get(f"{API}/orders/{order.number}"))
    staff_view = validate_response(client_for("agent_s1").get(f"{API}/orders/{order.number}"))

    assert [e["note"] for e in customer_view["events"] if e["kind"] == "note"] == ["师傅已出发"]
    assert all(event["actor"] is None for event in customer_view["events"])
    assert [e["note"] for e in staff_view["events"] if e["kind"] == "note"] == [
        "内部：带绝缘梯",
        "师傅已出发",
    ]
    assert staff_view["events"][1]["actor"] == "agent_s1"
    assert staff_view["risk_score"] == 0


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("alice", ["cancel"]),
        ("dispatcher", ["dispatch", "pause"]),
        ("clerk_s1", ["pause"]),
        ("analyst", []),
        ("agent_s1", ["dispatch", "cancel", "merge", "pause"]),
    ],
)
def test_the_detail_lists_the_actions_this_user_may_take_now(
    world: World, client_for: ClientFor, persona: str, allowed: list[str]
) -> None:
    order = repair(world)

    response = client_for(persona).get(f"{API}/orders/{order.number}")

    assert validate_response(response)["allowed_actions"] == allowed


def test_a_waiting_order_offers_resume_not_pause(world: World, client_for: ClientFor) -> None:
    order = repair(world)
    order_act(actor=world.users["agent_s1"], number=order.number, action="pause")

    body = validate_response(client_for("agent_s1").get(f"{API}/orders/{order.number}"))

    assert body["waiting"] is True
    assert "resume" in body["allowed_actions"]
    assert "pause" not in body["allowed_actions"]


def test_a_missing_order_and_one_outside_the_scope_get_the_same_404(
    world: World, client_for: ClientFor
) -> None:
    order = repair(world)
    client = client_for("bob")

    foreign = client.get(f"{API}/orders/{order.number}")
    missing = client.get(f"{API}/orders/{order.number[:8]}99999999")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert_chinese_error(validate_response(foreign), "service.order.not_found")


def test_a_malformed_order_number_is_a_400_naming_it(world: World, client_for: ClientFor) -> None:
    response = client_for("agent_s1").get(f"{API}/orders/abc")

    assert response.status_code == 400
    body = validate_response(response)
    assert_chinese_error(body, "service.order.number_invalid")
    assert body["field"] == "number"


# --- Actions ---


def act(client: Client, number: str, action: str, **body: Any) -> Any:
    return post(client, f"/orders/{number}/actions/{action}", body)


def test_the_dispatcher_dispatches_to_the_team_and_the_event_is_recorded(
    world: World, client_for: ClientFor
) -> None:
    order = repair(world)

    response = act(client_for("dispatcher"), order.number, "dispatch", team_id=world.team_1.pk)

    assert response.status_code == 200, response.content
    body = validate_response(response)
    assert body["state"] == "dispatched"
    assert body["team"]["code"] == "T1"
    assert body["version"] == 1
    event = WorkOrderEvent.objects.get(order=order, kind="dispatch")
    assert (event.from_state, event.to_state, event.actor) == (
        "accepted",
        "dispatched",
        world.users["dispatcher"],
    )


def test_an_action_the_state_does_not_allow_is_a_409_with_the_allowed_ones(
    world: World, client_for: ClientFor
) -> None:
    order = repair(world)

    response = act(client_for("agent_s1"), order.number, "resolve")

    assert response.status_code == 409
    body = validate_response(response)
    assert_chinese_error(body, "service.order.bad_transition")
    assert body["data"]["allowed"] == ["dispatch", "cancel", "merge", "pause", "resume"]
    order.refresh_from_db()
    assert (order.state, order.version) == ("accepted", 0)


def test_an_action_on_a_stale_version_is_a_409_and_changes_nothing(
    world: World, client_for: ClientFor
) -> None:
    order = dispatched(world)

    response = act(client_for("crew"), order.number, "take", expected_version=0)

    assert response.status_code == 409
    assert_chinese_error(validate_response(response), "service.order.changed_meanwhile")
    assert not WorkOrderEvent.objects.filter(order=order, kind="take").exists()


def test_an_unknown_action_is_a_400_listing_the_valid_ones(
    world: World, client_for: ClientFor
) -> None:
    order = repair(world)

    response = act(client_for("agent_s1"), order.number, "teleport")

    assert response.status_code == 400
    body = validate_response(response)
    assert_chinese_error(body, "service.order.unknown_action")
    assert "dispatch" in body["message"]
    assert "send_back" in body["message"]
    assert body["field"] == "action"


@pytest.mark.parametrize(
    ("action", "body", "code"),
    [
        ("dispatch", {}, "service.order.team_required"),
        ("dispatch", {"team_id": 987654}, "service.order.bad_team"),
        ("cancel", {"note": "  "}, "service.order.reason_required"),
    ],
)
def test_an_action_missing_what_it_needs_is_a_400_and_changes_nothing(
    world: World, client_for: ClientFor, action: str, body: dict[str, Any], code: str
) -> None:
    order = repair(world)

    response = act(client_for("agent_s1"), order.number, action, **body)

    assert response.status_code == 400
    assert_chinese_error(validate_response(response), code)
    assert WorkOrderEvent.objects.filter(order=order).count() == 1


def test_a_clerk_may_not_dispatch(world: World, client_for: ClientFor) -> None:
    order = repair(world)

    response = act(client_for("clerk_s1"), order.number, "dispatch", team_id=world.team_1.pk)

    assert response.status_code == 403
    body = validate_response(response)
    assert_chinese_error(body, "service.order.forbidden_action")
    order.refresh_from_db()
    assert order.state == "accepted"


def test_alice_cancels_her_own_order_with_a_reason(world: World, client_for: ClientFor) -> None:
    order = repair(world)

    response = act(client_for("alice"), order.number, "cancel", note="已自行恢复")

    assert response.status_code == 200
    body = validate_response(response)
    assert body["state"] == "cancelled"
    assert body["allowed_actions"] == []
    assert body["events"][-1]["note"] == "已自行恢复"


def test_the_crew_runs_a_repair_to_resolution(world: World, client_for: ClientFor) -> None:
    order = dispatched(world)
    crew = client_for("crew")

    # Resolving a customer's order opens its return visit at once.
    steps = [("take", "taken"), ("arrive", "arrived"), ("resolve", "return_visit")]
    for action, state in steps:
        response = act(crew, order.number, action)
        assert response.status_code == 200, response.content
        assert validate_response(response)["state"] == state

    order.refresh_from_db()
    assert order.assignee == world.users["crew"]
    assert order.resolved_at is not None


# --- Notes ---


def test_a_note_changes_no_state_and_no_version(world: World, client_for: ClientFor) -> None:
    order = dispatched(world)

    response = post(client_for("crew"), f"/orders/{order.number}/notes", {"note": "已联系客户"})

    assert response.status_code == 201
    body = validate_response(response)
    assert (body["kind"], body["public"], body["actor"]) == ("note", False, "crew")
    order.refresh_from_db()
    assert (order.state, order.version) == ("dispatched", 1)


@pytest.mark.parametrize(
    ("persona", "body", "status", "code"),
    [
        ("analyst", {"note": "看看"}, 403, "service.order.forbidden_action"),
        ("alice", {"note": "请快点"}, 403, "service.order.forbidden_action"),
        ("agent_s1", {"note": " \n "}, 400, "service.order.note_required"),
        ("agent_s1", {"note": "x" * 2001}, 400, "service.order.note_too_long"),
        ("agent_s1", {}, 422, "request.invalid"),
    ],
)
def test_a_refused_note_stores_nothing(
    world: World,
    client_for: ClientFor,
    persona: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    order = repair(world)

    response = post(client_for(persona), f"/orders/{order.number}/notes", body)

    assert response.status_code == status, response.content
    assert_chinese_error(validate_response(response), code)
    assert not WorkOrderEvent.objects.filter(kind="note").exists()


# --- Categories and teams ---


def test_categories_of_one_order_type_with_their_parents(
    world: World, client_for: ClientFor
) -> None:
    response = client_for("alice").get(f"{API}/categories?order_type=complaint")

    assert response.status_code == 200
    rows = validate_response(response)
    assert {row["order_type"] for row in rows} == {"complaint"}
    by_code = {row["code"]: row for row in rows}
    assert by_code["supply_quality"]["parent"] is None
    assert by_code["supply_quality.voltage"]["parent"] == "supply_quality"
    assert by_code["supply_quality.voltage"]["name_zh"] == "电压质量长时间异常"


def test_categories_need_a_known_order_type(world: World, client_for: ClientFor) -> None:
    for query in ("", "?order_type=gossip"):
        response = client_for("alice").get(f"{API}/categories{query}")
        assert response.status_code == 422
        assert_chinese_error(validate_response(response), "request.invalid")


def test_teams_of_the_scope_show_their_open_orders(world: World, client_for: ClientFor) -> None:
    dispatched(world)
    closed = dispatched(world)
    order_act(actor=world.users["agent_s1"], number=closed.number, action="cancel", note="重复")

    teams = validate_response(client_for("dispatcher").get(f"{API}/teams"))
    elsewhere = validate_response(client_for("agent_s2").get(f"{API}/teams"))

    assert teams == [
        {
            "id": world.team_1.pk,
            "code": "T1",
            "name": "石牌抢修班",
            "station": "石牌供电所",
            "open_orders": 1,
        }
    ]
    assert elsewhere == []


# --- Duplicates and merging ---


def test_a_second_report_on_the_account_suggests_the_first_and_merges_into_it(
    world: World, client_for: ClientFor
) -> None:
    first = repair(world, title="停电了")
    second = repair(world, title="又停电了")
    agent = client_for("agent_s1")

    suggestions = validate_response(agent.get(f"{API}/orders/{second.number}/suggestions"))
    merged = post(
        agent,
        f"/orders/{second.number}/merge",
        {"parent_number": first.number, "note": "同一故障"},
    )

    assert [row["candidate"] for row in suggestions] == [first.number]
    assert suggestions[0]["candidate_title"] == "停电了"
    assert merged.status_code == 200, merged.content
    body = validate_response(merged)
    assert (body["state"], body["parent"]) == ("merged", first.number)
    event = WorkOrderEvent.objects.get(order=second, kind="merge")
    assert event.actor == world.users["agent_s1"]
    second.refresh_from_db()
    assert second.parent == first


def test_suggestions_never_name_an_order_outside_the_readers_scope(
    world: World, client_for: ClientFor
) -> None:
    first = repair(world)
    second = repair(world)

    as_crew = client_for("crew").get(f"{API}/orders/{second.number}/suggestions")
    order_act(
        actor=world.users["agent_s1"],
        number=second.number,
        action="dispatch",
        team_id=world.team_1.pk,
    )
    as_crew_dispatched = client_for("crew").get(f"{API}/orders/{second.number}/suggestions")

    assert as_crew.status_code == 404
    # The crew sees the dispatched order but not the undispatched first one it duplicates.
    assert validate_response(as_crew_dispatched) == []
    assert first.number not in as_crew_dispatched.content.decode()


@pytest.mark.parametrize(
    ("persona", "parent", "status", "code"),
    [
        ("agent_s1", "self", 400, "service.merge.self"),
        ("agent_s1", "2026010199999999", 404, "service.merge.parent_not_found"),
        ("agent_s1", "bobs", 404, "service.merge.parent_not_found"),
        ("clerk_s1", "first", 403, "service.order.forbidden_action"),
        ("alice", "first", 403, "service.order.forbidden_action"),
    ],
)
def test_a_refused_merge_changes_nothing(
    world: World, client_for: ClientFor, persona: str, parent: str, status: int, code: str
) -> None:
    first = repair(world)
    second = repair(world)
    bobs = repair(world, actor="bob", account_number=ACCOUNT_B)
    numbers_by_name = {"self": second.number, "first": first.number, "bobs": bobs.number}
    parent_number = numbers_by_name.get(parent, parent)

    response = post(
        client_for(persona), f"/orders/{second.number}/merge", {"parent_number": parent_number}
    )

    assert response.status_code == status, response.content
    assert_chinese_error(validate_response(response), code)
    second.refresh_from_db()
    assert (second.state, second.parent_id) == ("accepted", None)


def test_the_inbox_shows_each_orders_commitment_and_filters_the_overdue(
    world: World, client_for: ClientFor
) -> None:
    late, on_time = dispatched(world), dispatched(world)
    SlaClock.objects.filter(order=late).update(
        started_at=timezone.now() - dt.timedelta(hours=2),
        warn_at=timezone.now() - dt.timedelta(hours=1, minutes=30),
        deadline_at=timezone.now() - dt.timedelta(hours=1),
    )
    client = client_for("agent_s1")

    everything = validate_response(client.get(f"{API}/orders"))
    overdue = validate_response(client.get(f"{API}/orders?overdue=true"))
    detail = validate_response(client.get(f"{API}/orders/{on_time.number}"))

    states = {item["number"]: item["sla"]["state"] for item in everything["items"]}
    assert states == {late.number: "overdue", on_time.number: "running"}
    assert [item["number"] for item in overdue["items"]] == [late.number]
    assert overdue["items"][0]["sla"]["remaining_seconds"] < 0
    assert [c["clock"] for c in detail["commitments"]] == ["repair_arrival"]
    assert detail["commitments"][0]["limit"] == 45
