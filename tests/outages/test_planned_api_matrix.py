"""Who may call what on /api/v1/outages/planned… and /reliability: every persona against
every endpoint. Anonymous → 401, customers and staff without the permission → 403, an
outage outside the reader's org scope → 404 (as a missing one), the right role → success;
a refused call changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.outages.models import Outage, OutageCustomer, OutageEvent
from gridcare.outages.services.planned import planned_publish
from gridcare.outages.services.planned_schedule import planned_tick
from gridcare.testing.personas import World
from tests.api.test_permission_matrix import PERSONAS, assert_cell, call, each, table
from tests.outages.planned_support import draft

API = "/api/v1/outages"
CUSTOMERS = ("alice", "bob")
NOT_PLANNERS = ("alice", "bob", "agent_s1", "agent_s2", "clerk_s1", "crew", "analyst")
#: Reading an outage on TR1 (station S1): every staff member but station S2's agent.
READ_S1 = table(200, **each(CUSTOMERS, 403), agent_s2=404)
#: Changing it: the planners (dispatcher of S1, manager, admin).
WRITE_S1 = table(200, **each(NOT_PLANNERS, 403))
Prepared = tuple[str, dict[str, Any] | None]


def _window(days: float = 10) -> dict[str, str]:
    start = (timezone.now() + timedelta(days=days)).replace(microsecond=0)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=4)).isoformat(),
    }


def _body(**overrides: Any) -> dict[str, Any]:
    return {
        "planned_type": "maintenance",
        **_window(),
        "reason": "台区变压器检修",
        "scope": {"transformers": ["TR1"]},
        **overrides,
    }


def _draft_tr1(world: World) -> Outage:
    return draft(world.users["manager"], starts_in=timedelta(days=10), transformers=("TR1",))


def _on(suffix: str, body: dict[str, Any] | None = None) -> Callable[[World], Prepared]:
    def prepare(world: World) -> Prepared:
        return f"{API}/planned/{_draft_tr1(world).number}{suffix}", body

    return prepare


def _active_tr1(world: World) -> Prepared:
    manager, past = world.users["manager"], timezone.now() - timedelta(days=10)
    outage = draft(manager, starts_in=timedelta(days=9, hours=23), transformers=("TR1",), now=past)
    planned_publish(actor=manager, outage=outage, now=past)
    planned_tick()
    return f"{API}/planned/{outage.number}/restore", {}


@dataclass(frozen=True)
class Case:
    key: str
    method: str
    route: str
    expect: dict[str, int]
    prepare: Callable[[World], Prepared]
    effect: Callable[[], int] | None = None


def _outages() -> int:
    return Outage.objects.count()


def _links() -> int:
    return OutageCustomer.objects.count()


def _restorations() -> int:
    return OutageEvent.objects.filter(kind="restored").count()


def _cancellations() -> int:
    return OutageEvent.objects.filter(kind="cancelled").count()


CASES = [
    Case("GET /planned", "GET", "/planned", table(200, **each(CUSTOMERS, 403)), lambda w: (f"{API}/planned", None)),
    Case(
        "POST /planned",
        "POST",
        "/planned",
        table(201, **each(NOT_PLANNERS, 403)),
        lambda w: (f"{API}/planned", _body()),
        _outages,
    ),
    Case("GET /planned/{n}", "GET", "/planned/{number}", READ_S1, _on("")),
    Case(
        "PUT /planned/{n}",
        "PUT",
        "/planned/{number}",
        WRITE_S1,
        _on("", _body(version=1, reason="改为更换开关")),
    ),
    Case("GET /planned/{n}/preview", "GET", "/planned/{number}/preview", READ_S1, _on("/preview")),
    Case(
        "POST /planned/{n}/publish",
        "POST",
        "/planned/{number}/publish",
        WRITE_S1,
        _on("/publish", {}),
        _links,
    ),
    Case(
        "POST /planned/{n}/cancel",
        "POST",
        "/planned/{number}/cancel",
        WRITE_S1,
        _on("/cancel", {"reason": "改期"}),
        _cancellations,
    ),
    Case(
        "POST /planned/{n}/restore",
        "POST",
        "/planned/{number}/restore",
        WRITE_S1,
        _active_tr1,
        _restorations,
    ),
    Case(
        "GET /reliability",
        "GET",
        "/reliability",
        table(200, **each(CUSTOMERS, 403)),
        lambda w: (f"{API}/reliability?from=2026-01-01&to=2026-03-31&breakdown=true", None),
    ),
]  # fmt: skip


def _cells() -> list[Any]:
    cells = []
    for case in CASES:
        assert set(case.expect) == set(PERSONAS), case.key
        for persona in PERSONAS:
            cells.append(
                pytest.param(case, persona, case.expect[persona], id=f"{case.key}|{persona}")
            )
    return cells


@pytest.mark.parametrize(("case", "persona", "status"), _cells())
def test_each_persona_gets_the_status_its_role_and_scope_allow(
    case: Case, persona: str, status: int, world: World, client_for: Callable[[str], Client]
) -> None:
    path, body = case.prepare(world)
    client = Client() if persona == "anonymous" else client_for(persona)
    before = case.effect() if case.effect else 0

    response = call(client, case.method, path, body)

    assert_cell(response, status, effect=case.effect, before=before)


def outage_planned_routes() -> set[tuple[str, str]]:
    """(method, path under /api/v1) of every endpoint this matrix covers."""
    return {(case.method, "/outages" + case.route) for case in CASES}
