"""Two people act on one order at the same moment, through the API, each on their own
database connection: exactly one wins, the other gets a 409 and no second event is written
(issue 24 §5). On PostgreSQL the loser's compare-and-set waits for the winner's row lock
and then finds the version moved (`service.order.changed_meanwhile`), or it reads the new
state first (`service.order.bad_transition`); both are the refusal the API promises.

SQLite serialises writers for the whole database, so the race these tests stage cannot
happen there; the suite's PostgreSQL pass runs them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.testing.personas import ACCOUNT_A, World

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite locks the whole database per writer: no concurrent row update to race",
    ),
]

REFUSALS = {"service.order.changed_meanwhile", "service.order.bad_transition"}


def _order(world: World, *, dispatch: bool) -> WorkOrder:
    order = order_create(
        actor=world.users["alice"],
        draft=OrderDraft(
            order_type="fault_repair", origin="web", title="停电", account_number=ACCOUNT_A
        ),
    )
    if dispatch:
        order = order_act(
            actor=world.users["admin"],
            number=order.number,
            action="dispatch",
            team_id=world.team_1.pk,
        )
    return order


def race(calls: list[tuple[Client, str, dict[str, Any]]]) -> list[Any]:
    """Send the calls from one thread each, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    responses: list[Any] = [None] * len(calls)

    def run(index: int, client: Client, path: str, body: dict[str, Any]) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(path, json.dumps(body), content_type="application/json")
        finally:
            connection.close()  # this thread's connection, not the test's

    threads = [
        threading.Thread(target=run, args=(index, *call)) for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def _outcome(responses: list[Any]) -> tuple[list[Any], list[dict[str, Any]]]:
    won = [r for r in responses if r.status_code == 200]
    lost = [json.loads(r.content) for r in responses if r.status_code == 409]
    return won, lost


@pytest.mark.parametrize("round_", range(3))
def test_two_crew_taking_one_order_at_once_exactly_one_wins(
    world: World, client_for: Callable[[str], Client], round_: int
) -> None:
    order = _order(world, dispatch=True)
    path = f"/api/v1/service/orders/{order.number}/actions/take"

    responses = race([(client_for("crew"), path, {}), (client_for("dispatcher"), path, {})])

    won, lost = _outcome(responses)
    assert (len(won), len(lost)) == (1, 1), [r.content for r in responses]
    assert lost[0]["code"] in REFUSALS
    assert WorkOrderEvent.objects.filter(order=order, kind="take").count() == 1
    order.refresh_from_db()
    assert (order.state, order.version) == ("taken", 2)
    winner = json.loads(won[0].content)["events"][-1]["actor"]
    assert order.assignee is not None
    assert order.assignee.username == winner


@pytest.mark.parametrize("round_", range(3))
def test_dispatch_and_cancel_at_once_leave_one_event_and_a_consistent_order(
    world: World, client_for: Callable[[str], Client], round_: int
) -> None:
    order = _order(world, dispatch=False)
    base = f"/api/v1/service/orders/{order.number}/actions"

    responses = race(
        [
            # Both act on the version they read, as the console does: one after the other
            # would be fine (a dispatched order may be cancelled), at once one must lose.
            (
                client_for("dispatcher"),
                f"{base}/dispatch",
                {"team_id": world.team_1.pk, "expected_version": 0},
            ),
            (
                client_for("manager"),
                f"{base}/cancel",
                {"note": "客户来电撤销", "expected_version": 0},
            ),
        ]
    )

    won, lost = _outcome(responses)
    assert (len(won), len(lost)) == (1, 1), [r.content for r in responses]
    assert lost[0]["code"] in REFUSALS
    winner = json.loads(won[0].content)["state"]
    order.refresh_from_db()
    assert order.state == winner
    kinds = list(order.events.exclude(kind="created").values_list("kind", flat=True))
    assert kinds == (["dispatch"] if winner == "dispatched" else ["cancel"])
    assert order.version == 1
