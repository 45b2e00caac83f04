"""Messages of one sender arriving at the same moment, each on its own database connection
(WeChat retries after 5 s; a customer taps twice): they are answered one after the other —
one session, no lost state, a message id answered once, one order for two "yes".

SQLite serialises writers for the whole database (transactions begin IMMEDIATE), so the
race cannot happen there; the suite's PostgreSQL pass runs these.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from gridcare.assistant.models import BotSession, BotTurn
from gridcare.customers.models import ChannelIdentity
from gridcare.service.models import WorkOrder
from gridcare.testing.personas import World

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite locks the whole database per writer: no concurrent messages to race",
    ),
]
URL = "/api/v1/assistant/messages"


def race(client: Client, bodies: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Post the bodies from one thread each, released together by a barrier."""
    barrier = threading.Barrier(len(bodies))
    answers: list[Any] = [None] * len(bodies)

    def run(index: int, body: dict[str, str]) -> None:
        try:
            barrier.wait(timeout=10)
            response = client.post(URL, json.dumps(body), content_type="application/json")
            answers[index] = (response.status_code, response.json())
        finally:
            connection.close()  # this thread's connection, not the test's

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(status == 200 for status, _ in answers), answers
    return [body for _, body in answers]


def message(text: str, message_id: str) -> dict[str, str]:
    return {"channel": "wechat", "sender": "o-alice", "message_id": message_id, "text": text}


@pytest.fixture
def admin(world: World) -> Client:
    ChannelIdentity.objects.create(
        customer=world.customer_alice, channel="wechat", external_id="o-alice"
    )
    client = Client()
    client.force_login(world.users["admin"], backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_first_messages_at_once_share_one_session(world: World, admin: Client) -> None:
    replies = race(admin, [message("你好", "a"), message("查电费", "b"), message("停电查询", "c")])

    assert len({r["session"] for r in replies}) == 1
    assert BotSession.objects.count() == 1
    assert BotTurn.objects.count() == 6
    assert BotSession.objects.get().version == 4  # created, then one save per message


def test_a_retried_message_id_is_answered_once(world: World, admin: Client) -> None:
    replies = race(admin, [message("查电费", "same")] * 4)

    assert all(r == replies[0] for r in replies)
    assert BotTurn.objects.filter(speaker="customer").count() == 1


def test_two_yes_at_once_file_one_order(world: World, admin: Client) -> None:
    for n, text in enumerate(["卧室插座冒烟了还有焦味", "是，在用电地址"]):
        admin.post(URL, json.dumps(message(text, f"s{n}")), content_type="application/json")

    race(admin, [message("确认", "yes-1"), message("确认", "yes-2")])

    assert WorkOrder.objects.count() == 1
