"""The portal chat with the assistant first: the greeting and quick replies, an htmx post
that answers with just the new exchange (and the new quick replies out of band), a plain
post that comes back to the page, and the page after a handoff."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from gridcare.assistant.models import BotSession
from gridcare.testing.personas import ACCOUNT_A, World
from tests.billing.factory import make_bill

HTMX = {"HX-Request": "true"}


def test_the_page_opens_with_the_assistants_greeting_and_quick_replies(
    world: World, client_for
) -> None:
    page = client_for("alice").get("/portal/chat/").content.decode()
    assert "智能客服" in page
    assert page.count('data-testid="quick-reply"') == 5
    assert "查电费" in page
    assert "转人工客服" in page


def test_an_htmx_message_gets_only_the_new_exchange(world: World, client_for) -> None:
    make_bill(world.account_a, period=dt.date(2026, 10, 1), total="128.50")
    response = client_for("alice").post("/portal/chat/", {"text": "查电费"}, headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.count('data-testid="chat-line"') == 2
    assert 'data-speaker="customer"' in body
    assert "¥128.50" in body
    assert f'href="/portal/billing/accounts/{ACCOUNT_A}/pay/"' in body
    assert 'id="chat-options" hx-swap-oob="true"' in body
    assert ">交电费</button>" in body


def test_a_plain_post_returns_to_the_page_with_the_conversation(world: World, client_for) -> None:
    alice = client_for("alice")
    response = alice.post("/portal/chat/", {"text": "你好"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/chat/"
    page = alice.get("/portal/chat/").content.decode()
    assert page.count('data-testid="chat-line"') == 2
    assert "请问有什么可以帮您" in page


def test_after_the_handoff_the_page_says_an_agent_has_the_conversation(
    world: World, client_for
) -> None:
    alice = client_for("alice")
    exchange = alice.post("/portal/chat/", {"text": "转人工客服"}, headers=HTMX).content.decode()
    assert 'data-testid="with-agent"' in exchange
    page = alice.get("/portal/chat/").content.decode()
    assert 'data-testid="with-agent"' in page
    assert 'data-testid="waiting"' in page
    assert 'data-testid="quick-reply"' not in page


def test_a_login_with_two_customers_talks_for_the_one_it_chose(world: World) -> None:
    from gridcare.customers.models import AccountBinding

    alice = world.users["alice"]
    AccountBinding.objects.create(user=alice, account=world.account_c)  # she manages the shop's
    client = Client()
    client.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    shop = world.account_c.customer_id

    client.post(f"/portal/chat/?customer={shop}", {"text": "你好", "customer": shop})

    session = BotSession.objects.get()
    assert session.customer_id == shop
    page = client.get(f"/portal/chat/?customer={world.customer_alice.pk}").content.decode()
    assert "请问有什么可以帮您" in page  # her own chat starts fresh: the shop's is not shown
    assert page.count('data-testid="chat-line"') == 1


def test_staff_and_visitors_do_not_get_the_customer_chat(world: World, client_for) -> None:
    assert Client().get("/portal/chat/").status_code == 302
    assert client_for("agent_s1").get("/portal/chat/").status_code in (302, 403)
