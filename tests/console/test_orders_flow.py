"""The order screens as stories: a conversation or a hotline call becomes one order in one
step, a counter visit is filed with its queue data, the dispatcher dispatches, the crew
takes, arrives and resolves with the customer's confirmation; refusals are shown in
Chinese with what is possible."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string

from gridcare.contact.conversations import conversation_claim, conversation_message_in
from gridcare.contact.services import web_chat_message
from gridcare.customers.models import Interaction
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.testing.personas import ACCOUNT_A, World


def repair(world: World, title: str = "家里没电了") -> WorkOrder:
    draft = OrderDraft(
        order_type="fault_repair", origin="web", title=title, account_number=ACCOUNT_A
    )
    return order_create(actor=world.users["alice"], draft=draft)


def test_a_web_chat_becomes_one_order_linked_to_its_timeline_entry_even_if_sent_twice(
    world: World, client_for
) -> None:
    chat = web_chat_message(
        user=world.users["alice"], customer_id=world.customer_alice.pk, text="楼道灯不亮\n急"
    )
    client = client_for("agent_s1")
    page = client.get(f"/console/inbox/{chat.pk}/").content.decode()
    assert 'value="楼道灯不亮"' in page  # the title is prefilled from the last message
    form = {"order_type": "fault_repair", "title": "楼道灯不亮", "account": ACCOUNT_A}
    first = client.post(f"/console/inbox/{chat.pk}/order/", form)
    again = client.post(f"/console/inbox/{chat.pk}/order/", form)
    order = WorkOrder.objects.get()
    assert first["Location"] == again["Location"] == f"/console/orders/{order.number}/"
    assert (order.origin, order.source_ref) == ("web", f"conversation:{chat.pk}")
    assert order.customer == world.customer_alice
    entry = Interaction.objects.get(links__conversation=chat.pk)
    assert entry.links["work_order"] == order.number
    # The chat entry is linked, not repeated: one timeline entry for the contact.
    assert Interaction.objects.filter(customer=world.customer_alice).count() == 1


def test_a_wechat_conversation_gives_a_wechat_order(world: World, client_for) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="咨询")
    response = client_for("agent_s1").post(
        f"/console/inbox/{c.pk}/order/", {"order_type": "consultation", "title": "咨询电价"}
    )
    assert response.status_code == 302
    assert WorkOrder.objects.get().origin == "wechat"


def test_a_conversation_order_without_a_title_is_refused_with_a_message(
    world: World, client_for
) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="?")
    client = client_for("agent_s1")
    response = client.post(
        f"/console/inbox/{c.pk}/order/", {"order_type": "complaint"}, follow=True
    )
    assert "请填写诉求标题" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_another_stations_agent_cannot_turn_the_conversation_into_an_order(
    world: World, client_for
) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="停电")
    response = client_for("agent_s2").post(
        f"/console/inbox/{c.pk}/order/", {"order_type": "fault_repair", "title": "停电"}
    )
    assert response.status_code == 404
    assert not WorkOrder.objects.exists()


def test_a_hotline_call_becomes_an_order_once_and_lands_on_the_timeline(
    world: World, client_for
) -> None:
    alice = world.customer_alice.pk
    client = client_for("agent_s1")
    assert 'data-testid="call-order"' in client.get(f"/console/customers/{alice}/").content.decode()
    form = {
        "recording_ref": "rec-2026-001", "duration_seconds": "185", "order_type": "complaint",
        "category": "service.attitude", "title": "投诉营业员态度", "account": ACCOUNT_A,
    }  # fmt: skip
    client.post(f"/console/customers/{alice}/call-order/", form)
    client.post(f"/console/customers/{alice}/call-order/", form)
    order = WorkOrder.objects.get()
    assert (order.origin, order.source_ref) == ("hotline", "call:rec-2026-001")
    assert order.category is not None
    assert order.category.code == "service.attitude"
    call = Interaction.objects.get(customer_id=alice, channel="hotline")
    assert call.data == {"recording_ref": "rec-2026-001", "duration_seconds": 185}
    assert call.links["work_order"] == order.number


def test_a_call_without_its_recording_is_refused_and_nothing_is_stored(
    world: World, client_for
) -> None:
    alice = world.customer_alice.pk
    response = client_for("agent_s1").post(
        f"/console/customers/{alice}/call-order/",
        {"duration_seconds": "20", "order_type": "fault_repair", "title": "停电"},
        follow=True,
    )
    assert "请填写录音编号和通话时长" in response.content.decode()
    assert not WorkOrder.objects.exists()
    assert not Interaction.objects.exists()


def test_counter_intake_finds_the_customer_and_files_with_queue_data_once(
    world: World, client_for
) -> None:
    client = client_for("clerk_s1")
    found = client.get("/console/counter/", {"q": ACCOUNT_A}).content.decode()
    assert f"?customer={world.customer_alice.pk}" in found
    assert "张*丰" in found
    assert "张三丰" not in found
    form_page = client.get("/console/counter/", {"customer": world.customer_alice.pk})
    token = form_page.content.decode().split('name="token" value="')[1][:32]
    form = {
        "customer": world.customer_alice.pk, "token": token, "queue_number": "A017",
        "wait_seconds": "300", "service_seconds": "420", "order_type": "service_request",
        "title": "申请电表校验", "account": ACCOUNT_A,
    }  # fmt: skip
    assert client.post("/console/counter/", form).status_code == 302
    assert client.post("/console/counter/", form).status_code == 302  # double click
    order = WorkOrder.objects.get()
    assert order.origin == "business_hall"
    visit = Interaction.objects.get(channel="counter")
    assert visit.data == {"queue_number": "A017", "wait_seconds": 300, "service_seconds": 420}


def test_counter_intake_without_queue_data_says_what_is_missing(world: World, client_for) -> None:
    form = {
        "customer": world.customer_alice.pk, "token": "0" * 32, "order_type": "consultation",
        "title": "咨询", "wait_seconds": "1", "service_seconds": "1",
    }  # fmt: skip
    response = client_for("clerk_s1").post("/console/counter/", form)
    assert response.status_code == 400
    assert "排队号" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_dispatcher_board_lists_waiting_orders_with_team_loads_and_dispatches_in_one_click(
    world: World, client_for
) -> None:
    order = repair(world, title="整栋楼停电")
    client = client_for("dispatcher")
    board = client.get("/console/dispatch/").content.decode()
    assert "整栋楼停电" in board
    assert "石牌抢修班" in board.split('data-testid="team-loads"')[1]
    response = client.post(
        "/console/dispatch/",
        {"number": order.number, "action": "dispatch", "team": world.team_1.pk,
         "version": order.version},
    )  # fmt: skip
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.team) == ("dispatched", world.team_1)
    assert "整栋楼停电" not in client.get("/console/dispatch/").content.decode()


def test_crew_takes_arrives_and_resolves_with_the_customers_confirmation(
    world: World, client_for
) -> None:
    order = repair(world)
    order_act(actor=world.users["dispatcher"], number=order.number, action="dispatch",
              team_id=world.team_1.pk)  # fmt: skip
    crew = client_for("crew")
    url = f"/console/crew/{order.number}/"
    for action in ("take", "arrive"):
        assert f'data-testid="crew-{action}"' in crew.get(url).content.decode()
        assert crew.post(url, {"action": action, "note": f"{action} ok"}).status_code == 302
    crew.post(url, {"action": "resolve", "note": "更换熔断器", "confirm_shown": "1",
                    "customer_confirmed": "on", "signature": "张三丰"})  # fmt: skip
    order.refresh_from_db()
    # Resolving opens the customer's return visit (service/services/visits.py).
    assert order.state == "return_visit"
    event = WorkOrderEvent.objects.get(order=order, kind="resolve")
    assert event.actor == world.users["crew"]
    assert event.data == {"customer_confirmed": True, "customer_signature": "张三丰"}
    assert "更换熔断器" in event.note
    detail = client_for("agent_s1").get(f"/console/orders/{order.number}/").content.decode()
    assert 'data-testid="customer-confirmation"' in detail


def test_a_refused_action_is_a_409_with_the_possible_actions_in_chinese(
    world: World, client_for
) -> None:
    order = repair(world)
    response = client_for("agent_s1").post(f"/console/orders/{order.number}/", {"action": "take"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "不能执行该操作" in page
    box = page.split('data-testid="action-error"')[1].split("</div>\n</div>")[0]
    assert "当前可执行：" in box
    assert "派单" in box
    assert "撤销工单" in box


def test_the_loser_of_a_race_sees_that_someone_else_acted_first(world: World, client_for) -> None:
    order = repair(world)
    stale = order.version
    order_act(actor=world.users["dispatcher"], number=order.number, action="dispatch",
              team_id=world.team_1.pk)  # fmt: skip
    response = client_for("agent_s1").post(
        f"/console/orders/{order.number}/",
        {"action": "reassign", "team": world.team_1.pk, "version": stale},
    )
    assert response.status_code == 409
    assert "工单已被他人处理" in response.content.decode()
    assert WorkOrderEvent.objects.filter(order=order, kind="reassign").count() == 0


def test_order_page_shows_internal_notes_to_staff_and_only_permitted_buttons(
    world: World, client_for
) -> None:
    order = repair(world)
    agent = client_for("agent_s1")
    agent.post(f"/console/orders/{order.number}/",
               {"action": "dispatch", "team": world.team_1.pk, "note": "内部：先查表箱",
                "internal": "on"})  # fmt: skip
    page = agent.get(f"/console/orders/{order.number}/").content.decode()
    assert "内部：先查表箱" in page
    assert 'data-testid="internal-note"' in page
    assert 'data-testid="customer-panel"' in page  # the 360 beside the order
    assert not WorkOrderEvent.objects.get(kind="dispatch").public
    analyst = client_for("analyst").get(f"/console/orders/{order.number}/").content.decode()
    assert 'data-testid="order-actions"' not in analyst  # view-only role: no buttons
    clerk = client_for("clerk_s1").get(f"/console/orders/{order.number}/").content.decode()
    assert 'data-testid="action-reassign"' not in clerk  # no dispatch permission
    assert 'data-testid="action-take"' in clerk
    # Not waiting for the customer: it can start waiting, not stop.
    assert 'data-testid="action-pause"' in clerk
    assert 'data-testid="action-resume"' not in clerk


def test_order_inbox_filters_by_state_type_search_and_date(world: World, client_for) -> None:
    first = repair(world, title="停电甲")
    repair(world, title="停电乙")
    order_act(actor=world.users["dispatcher"], number=first.number, action="dispatch",
              team_id=world.team_1.pk)  # fmt: skip
    client = client_for("agent_s1")

    def titles(**query: str) -> set[str]:
        body = client.get("/console/orders/", query).content.decode()
        return {t for t in ("停电甲", "停电乙") if t in body}

    assert titles() == {"停电甲", "停电乙"}
    assert titles(state="dispatched") == {"停电甲"}
    assert titles(team=str(world.team_1.pk)) == {"停电甲"}
    assert titles(q=first.number) == {"停电甲"}
    assert titles(q="乙") == {"停电乙"}
    assert titles(type="complaint") == set()
    assert titles(to="2000-01-01") == set()
    assert titles(overdue="1") == set()


def test_the_polling_request_gets_only_the_rows(world: World, client_for) -> None:
    repair(world, title="停电丙")
    response = client_for("agent_s1").get("/console/orders/", {"rows": "1"})
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="order-row"' in body
    assert "停电丙" in body


@dataclass(frozen=True)
class Status:
    """An SLA status as service.sla_selectors.order_sla describes it."""

    deadline: dt.datetime
    remaining: dt.timedelta
    state: str
    provisional: bool


def test_sla_cell_shows_time_left_overdue_and_provisional_deadlines() -> None:
    deadline = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)
    running = Status(deadline, dt.timedelta(hours=2, minutes=15), "running", provisional=True)
    html = render_to_string("console/orders/partials/sla.html", {"sla": running})
    assert "2小时15分" in html
    assert "剩余" in html
    assert "暂定" in html
    late = Status(deadline, dt.timedelta(minutes=-35), "overdue", provisional=False)
    html = render_to_string("console/orders/partials/sla.html", {"sla": late})
    assert "超时 35分" in html
    assert "text-bg-danger" in html
    assert "暂定" not in html
    assert "—" in render_to_string("console/orders/partials/sla.html", {"sla": None})


def test_claimed_conversation_shows_the_order_form_open(world: World, client_for) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="停电")
    conversation_claim(actor=world.users["agent_s1"], conversation_id=c.pk)
    page = client_for("agent_s1").get(f"/console/inbox/{c.pk}/").content.decode()
    assert 'data-testid="conversation-order" open' in page
    assert "微信" in page.split('data-testid="conversation-order"')[1]
