"""The portal's work-order pages: report, complain, suggest, my orders, progress with
cancel and rating, the rating link and the SMS reply; hostile input gets 400/404, never 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gridcare.customers.models import Interaction
from gridcare.service.models import ReturnVisit, WorkOrder
from gridcare.testing.personas import ACCOUNT_A, World
from tests.contact.test_webhooks import SMS_SECRET, post_sms
from tests.service.test_progress import repair, run_to_resolved
from tests.service.test_visits import resolved

REPORT = {
    "account": ACCOUNT_A,
    "category": "fault.low_voltage.no_power",
    "description": "整栋楼没电了",
    "address": "华师路 12 号 3 栋 501",
    "latitude": "23.137500",
    "longitude": "113.356800",
}


def test_anonymous_visitors_are_sent_to_the_login(world: World) -> None:
    for path in ["/portal/orders/", "/portal/orders/report/", "/portal/orders/complain/"]:
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/login/")


def test_report_then_list_then_progress(world: World, client_for) -> None:
    alice = client_for("alice")
    form = alice.get("/portal/orders/report/").content.decode()
    assert "华师路 12 号 3 栋 501" in form, "the account's address is prefilled"
    assert "无电" in form, "fault categories are offered"
    response = alice.post("/portal/orders/report/", REPORT)
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/orders/{order.number}/"
    assert (order.order_type, order.origin, order.category.code) == (
        "fault_repair",
        "web",
        "fault.low_voltage.no_power",
    )
    assert str(order.latitude) == "23.137500"
    assert order.title.startswith("无电")
    listing = alice.get("/portal/orders/").content.decode()
    assert order.number in listing
    progress = alice.get(f"/portal/orders/{order.number}/").content.decode()
    assert "已受理" in progress
    assert 'data-testid="cancel"' in progress


def test_the_timeline_speaks_plain_chinese_and_hides_internal_notes(
    world: World, client_for
) -> None:
    order = repair(world)
    from gridcare.service.services import order_act

    order_act(
        actor=world.users["dispatcher"],
        number=order.number,
        action="dispatch",
        team_id=world.team_1.pk,
    )
    order_act(actor=world.users["crew"], number=order.number, action="take")
    order_act(
        actor=world.users["crew"],
        number=order.number,
        action="pause",
        note="内部备注",
        public=False,
    )
    order_act(actor=world.users["crew"], number=order.number, action="resume")
    order_act(actor=world.users["crew"], number=order.number, action="arrive")
    html = client_for("alice").get(f"/portal/orders/{order.number}/").content.decode()
    for text in ["已受理", "已派单给石牌抢修班", "抢修人员已到达现场"]:
        assert text in html
    assert "内部备注" not in html


def test_bob_gets_404_on_alices_order(world: World, client_for) -> None:
    order = repair(world)
    bob = client_for("bob")
    assert bob.get(f"/portal/orders/{order.number}/").status_code == 404
    assert bob.post(f"/portal/orders/{order.number}/cancel/", {"reason": "x"}).status_code == 404
    assert bob.post(f"/portal/orders/{order.number}/rate/", {"rating": "1"}).status_code == 404
    assert order.number not in bob.get("/portal/orders/").content.decode()
    order.refresh_from_db()
    assert order.state == "accepted"


def test_bob_cannot_file_on_alices_account(world: World, client_for) -> None:
    response = client_for("bob").post("/portal/orders/report/", REPORT)
    assert response.status_code == 400
    assert WorkOrder.objects.count() == 0


def test_a_complaint_with_a_sub_category_and_a_suggestion(world: World, client_for) -> None:
    alice = client_for("alice")
    page = alice.get("/portal/orders/complain/").content.decode()
    assert "<optgroup" in page
    assert "服务态度" in page
    response = alice.post(
        "/portal/orders/complain/",
        {"account": ACCOUNT_A, "category": "service.attitude", "description": "营业员态度差"},
    )
    assert response.status_code == 302
    response = alice.post(
        "/portal/orders/suggest/",
        {"account": ACCOUNT_A, "order_type": "praise", "description": "抢修师傅很负责"},
    )
    assert response.status_code == 302
    types = sorted(WorkOrder.objects.values_list("order_type", flat=True))
    assert types == ["complaint", "praise"]


def test_cancel_needs_a_reason_and_then_cancels(world: World, client_for) -> None:
    order = repair(world)
    alice = client_for("alice")
    refused = alice.post(f"/portal/orders/{order.number}/cancel/", {"reason": "  "})
    assert refused.status_code == 400
    order.refresh_from_db()
    assert order.state == "accepted"
    done = alice.post(f"/portal/orders/{order.number}/cancel/", {"reason": "已自行恢复"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.state == "cancelled"
    html = alice.get(f"/portal/orders/{order.number}/").content.decode()
    assert "已撤销" in html
    assert 'data-testid="cancel"' not in html


HOSTILE = [
    {**REPORT, "latitude": "91"},
    {**REPORT, "longitude": "abc"},
    {**REPORT, "latitude": "NaN"},
    {**REPORT, "longitude": "1e999"},
    {**REPORT, "description": "停" * 2001},
    {**REPORT, "description": ""},
    {**REPORT, "category": "service.attitude"},
    {**REPORT, "category": "nonsense"},
    {**REPORT, "account": "9999999999999"},
    {**REPORT, "address": "路" * 201},
]


@pytest.mark.parametrize("data", HOSTILE)
def test_hostile_report_input_is_refused_with_400_and_nothing_stored(
    world: World, client_for, data: dict[str, str]
) -> None:
    response = client_for("alice").post("/portal/orders/report/", data)
    assert response.status_code == 400
    assert WorkOrder.objects.count() == 0
    assert Interaction.objects.count() == 0


def test_script_in_free_text_is_stored_and_shown_escaped(world: World, client_for) -> None:
    alice = client_for("alice")
    script = "<script>alert(1)</script>"
    alice.post("/portal/orders/report/", {**REPORT, "description": script})
    order = WorkOrder.objects.get()
    assert order.description == script
    for path in [f"/portal/orders/{order.number}/", "/portal/orders/"]:
        html = alice.get(path).content.decode()
        assert script not in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        in alice.get(f"/portal/orders/{order.number}/").content.decode()
    )


def test_rating_by_link_works_once_then_409(world: World) -> None:
    order, token = resolved(world)
    link = f"/portal/visit/{token}/"
    page = Client().get(link)
    assert page.status_code == 200
    assert order.number in page.content.decode()
    first = Client().post(link, {"rating": "5", "comment": "<b>很好</b>"})
    assert first.status_code == 200
    assert "5" in first.content.decode()
    second = Client().post(link, {"rating": "1"})
    assert second.status_code == 409
    assert "您已评价过该工单" in second.content.decode()
    order.refresh_from_db()
    assert order.state == "archived"
    assert ReturnVisit.objects.get().rating == 5


@pytest.mark.parametrize("rating", ["0", "6", "", "abc", "4.5", "１" * 3000])
def test_bad_ratings_by_link_are_400(world: World, rating: str) -> None:
    _, token = resolved(world)
    response = Client().post(f"/portal/visit/{token}/", {"rating": rating})
    assert response.status_code == 400
    assert ReturnVisit.objects.get().rating is None


@pytest.mark.parametrize("token", ["garbage", "x" * 300, "%00", "..%2F..%2Fetc"])
def test_garbage_tokens_are_404(world: World, token: str) -> None:
    resolved(world)
    assert Client().get(f"/portal/visit/{token}/").status_code in (400, 404)
    assert Client().post(f"/portal/visit/{token}/", {"rating": "5"}).status_code in (400, 404)
    assert ReturnVisit.objects.get().rating is None


def test_a_low_rating_on_the_progress_page_reopens(world: World, client_for) -> None:
    order, _ = resolved(world)
    alice = client_for("alice")
    page = alice.get(f"/portal/orders/{order.number}/").content.decode()
    assert 'data-testid="rating-form"' in page
    response = alice.post(
        f"/portal/orders/{order.number}/rate/", {"rating": "2", "comment": "还是停电"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "dispatched"
    html = alice.get(f"/portal/orders/{order.number}/").content.decode()
    assert "您的评价：2 分" in html
    assert 'data-testid="rating-form"' not in html
    again = alice.post(f"/portal/orders/{order.number}/rate/", {"rating": "5"})
    assert again.status_code == 409


def test_an_sms_reply_of_2_through_the_webhook_reopens_alices_order(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CONTACT_SMS_SECRET = SMS_SECRET
    order, _ = resolved(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_sms({"msg_id": "mo-9", "from": world.customer_alice.mobile, "text": "2"})
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.state == "dispatched"
    visit = ReturnVisit.objects.get()
    assert (visit.rating, visit.outcome) == (2, "reopened")
    rated = order.events.get(kind="rated")
    assert rated.data["channel"] == "sms"
    reply = Interaction.objects.get(customer=world.customer_alice, channel="sms")
    assert reply.links["work_order"] == order.number
    # The gateway's retry of the same reply changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        post_sms({"msg_id": "mo-9", "from": world.customer_alice.mobile, "text": "2"})
    assert order.events.filter(kind="rated").count() == 1


def test_the_list_page_stays_within_its_query_budget(
    world: World, client_for, django_assert_max_num_queries
) -> None:
    for _ in range(5):
        repair(world)
    order = repair(world)
    run_to_resolved(world, order.number)
    alice = client_for("alice")
    with django_assert_max_num_queries(12):
        html = alice.get("/portal/orders/").content.decode()
    assert len(re.findall('data-testid="order-row"', html)) == 6
