"""Who may call what on /api/v1/assistant/faq… and /unanswered: every persona against
every endpoint. Reading active entries is public (anonymous too); an inactive entry is a
404 except to editors; writing needs assistant.add/change_faqentry (manager, admin); the
unanswered list needs assistant.view_botsession (agents, analyst, manager, admin). A
refused call changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from gridcare.assistant.models import FaqEntry
from gridcare.assistant.services.kb import unanswered_log
from gridcare.assistant.services.kb_edit import faq_deactivate
from gridcare.testing.personas import World
from tests.api.test_permission_matrix import PERSONAS, assert_cell, call, each, table

API = "/api/v1/assistant"
EDITORS = ("manager", "admin")
READERS = ("agent_s1", "agent_s2", "analyst", "manager", "admin")
PUBLIC = table(200, anonymous=200)
EDIT_ONLY = table(403, **each(EDITORS, 200))
NEW_ANSWER = "营业厅均提供免费充电宝。"

Prepared = tuple[str, dict[str, Any] | None]


@dataclass(frozen=True)
class Case:
    key: str
    method: str
    route: str
    expect: dict[str, int]
    prepare: Callable[[World], Prepared]
    effect: Callable[[], int] | None = None


def fixed(path: str, body: dict[str, Any] | None = None) -> Callable[[World], Prepared]:
    return lambda world: (API + path, body)


def _inactive(world: World) -> Prepared:
    faq_deactivate(actor=world.users["admin"], code="saving-fridge")
    return f"{API}/faq/saving-fridge", None


def _update(world: World) -> Prepared:
    entry = FaqEntry.objects.get(code="saving-lighting")
    body = {
        "category": entry.category,
        "question": entry.question,
        "variants": entry.variants,
        "answer": NEW_ANSWER,
        "source": entry.source,
        "version": entry.version,
    }
    return f"{API}/faq/saving-lighting", body


def _unanswered(world: World) -> Prepared:
    unanswered_log(text="小区门禁卡丢了怎么办", channel="portal")
    return f"{API}/unanswered", None


def entries() -> int:
    return FaqEntry.objects.count()


def with_new_answer() -> int:
    return FaqEntry.objects.filter(answer=NEW_ANSWER).count()


CREATE = {
    "code": "service-power-bank",
    "category": "service",
    "question": "营业厅提供充电宝吗？",
    "variants": ["营业厅能借充电宝吗", "营业厅有充电宝吗", "营业厅能给手机充电吗"],
    "answer": "部分营业厅提供免费充电宝，以公示为准。",
}

CASES = [
    Case("GET /faq", "GET", "/faq", PUBLIC, fixed("/faq")),
    Case("GET /faq?q", "GET", "/faq", PUBLIC, fixed("/faq?q=电费违约金怎么算")),
    Case("GET /faq/{code}", "GET", "/faq/{code}", PUBLIC, fixed("/faq/pay-channels")),
    Case(
        "GET /faq/{inactive}",
        "GET",
        "/faq/{code}",
        table(404, anonymous=404, **each(EDITORS, 200)),
        _inactive,
    ),
    Case(
        "POST /faq",
        "POST",
        "/faq",
        table(403, **each(EDITORS, 201)),
        fixed("/faq", CREATE),
        effect=entries,
    ),
    Case("PUT /faq/{code}", "PUT", "/faq/{code}", EDIT_ONLY, _update, effect=with_new_answer),
    Case(
        "GET /unanswered",
        "GET",
        "/unanswered",
        table(403, **each(READERS, 200)),
        _unanswered,
    ),
]


def _cells() -> list[Any]:
    cells = []
    for case in CASES:
        assert set(case.expect) == set(PERSONAS), case.key
        for persona in PERSONAS:
            status = case.expect[persona]
            cells.append(pytest.param(case, persona, status, id=f"{case.key}|{persona}"))
    return cells


@pytest.mark.parametrize(("case", "persona", "status"), _cells())
def test_each_persona_gets_the_status_its_role_allows(
    case: Case,
    persona: str,
    status: int,
    world: World,
    client_for: Callable[[str], Client],
) -> None:
    path, body = case.prepare(world)
    client = Client() if persona == "anonymous" else client_for(persona)
    before = case.effect() if case.effect else 0

    response = call(client, case.method, path, body)

    assert_cell(response, status, effect=case.effect, before=before)


def kb_routes() -> set[tuple[str, str]]:
    """(method, path under /api/v1) of every knowledge-base endpoint the matrix covers."""
    return {(case.method, "/assistant" + case.route) for case in CASES}
