"""Every console and portal page, asked with hostile query values, answers 200, a redirect,
400 or 404, never a server error (issue 23 §4: `?day=0001-01-01` was a 500)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from gridcare.contact.conversations import conversation_message_in
from gridcare.testing.personas import World

HOSTILE = [
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "abc",
    "\x00",
    "%",
    "２０２６-１１-２１",
    "x" * 10_000,
]

#: page → the query parameters its view reads (plus one it does not know).
CONSOLE_PAGES = {
    "/console/": ["x"],
    "/console/search/": ["q", "page"],
    "/console/customers/{alice}/": ["x"],
    "/console/customers/{alice}/timeline/": ["show"],
    "/console/transformers/": ["day", "only", "page"],
    "/console/transformers/TR2/": ["day"],
    "/console/inbox/": ["mine"],
    "/console/inbox/{conversation}/": ["x"],
    "/console/notifications/": ["q", "status", "channel", "page"],
    "/console/notifications/templates/": ["published"],
    "/console/login/": ["next"],
    "/console/monitoring/reports/": ["org"],
    "/console/monitoring/reports/2026-11.pdf": ["org"],
    "/console/monitoring/reports/2026-11.xlsx": ["org"],
    "/console/monitoring/": ["from", "to", "org"],
    "/console/monitoring/complaints/": ["from", "to", "org"],
    "/console/monitoring/sla/": ["from", "to", "org"],
    "/console/monitoring/satisfaction/": ["from", "to", "org"],
    "/console/monitoring/channels/": ["from", "to", "org"],
    "/console/monitoring/reliability/": ["from", "to", "org"],
    "/console/monitoring/index/": ["from", "to", "org"],
    "/console/monitoring/scorecards/": ["from", "to", "org"],
    "/console/monitoring/wall/live/": ["org"],
}
PORTAL_PAGES = {
    "/portal/accounts/": ["x"],
    "/portal/accounts/bind/": ["x"],
    "/portal/accounts/{account}/": ["x"],
    "/portal/accounts/{account}/usage/": ["x"],
    "/portal/messages/": ["x"],
    "/portal/chat/": ["customer"],
    "/portal/preferences/": ["customer", "saved"],
    "/portal/login/": ["next"],
}
HOSTILE_PATHS = [
    "/console/customers/99999999999999999999999/",
    "/console/customers/99999999999999999999999/timeline/",
    "/console/inbox/99999999999999999999999/",
    "/console/transformers/" + "T" * 5000 + "/",
    "/portal/accounts/" + "9" * 5000 + "/",
    "/portal/accounts/%E2%80%AE/usage/",
]


@pytest.fixture(autouse=True)
def _warehouse(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"


def _sweep(client: Client, pages: dict[str, list[str]], ids: dict[str, object]) -> list[str]:
    """Each page with each of its parameters set to each hostile value; what went wrong."""
    wrong = []
    for template, params in pages.items():
        path = template.format(**ids)
        for param in params:
            for value in HOSTILE:
                response = client.get(path, {param: value})
                if response.status_code not in (200, 302, 400, 404):
                    wrong.append(f"{path}?{param}={value[:20]!r} → {response.status_code}")
                elif response.status_code == 400 and "data-code=" not in response.content.decode():
                    wrong.append(f"{path}?{param}={value[:20]!r} → 400 without a code")
    return wrong


def test_console_pages_never_fail_on_hostile_query_values(world: World, client_for) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    ids = {"alice": world.customer_alice.pk, "conversation": c.pk}
    assert _sweep(client_for("admin"), CONSOLE_PAGES, ids) == []


def test_portal_pages_never_fail_on_hostile_query_values(world: World, client_for) -> None:
    ids = {"account": world.account_a.number}
    assert _sweep(client_for("alice"), PORTAL_PAGES, ids) == []


def test_hostile_path_parameters_are_not_found(world: World, client_for) -> None:
    console, portal = client_for("admin"), client_for("alice")
    for path in HOSTILE_PATHS:
        client = portal if path.startswith("/portal/") else console
        assert client.get(path).status_code == 404, path


def test_a_nul_character_in_a_page_query_is_a_400_page_with_a_chinese_message(
    world: World, client_for
) -> None:
    response = client_for("admin").get("/console/search/", {"q": "张\x00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-code="core.request.nul_character"' in page
    assert "非法的空字符" in page
