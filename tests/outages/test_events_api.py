"""POST /api/v1/outages/events: who may post (each persona), what a batch answers (counts,
rejections by position), and the 400s for a body that is not an array of at most 10,000."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.core.choices import ApiTokenScope
from gridcare.core.services import api_token_issue
from gridcare.outages.models import DeadLetter, PowerEvent
from gridcare.testing.personas import World
from tests.api.conftest import assert_chinese_error, validate_response
from tests.api.test_permission_matrix import ANONYMOUS_BODY, PERSONAS, table

URL = "/api/v1/outages/events"
#: Only an administrator (an integrator's token) posts power events.
EXPECT = table(403, admin=200)


def event(device: str = "MA0001", kind: str = "power_off", **extra: Any) -> dict[str, Any]:
    at = timezone.localtime().replace(microsecond=0).isoformat()
    return {"device": device, "device_kind": "meter", "event": kind, "time": at} | extra


def post(client: Client, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **headers)


def event_routes() -> set[tuple[str, str]]:
    """(method, path under /api/v1) this matrix covers (for the all-endpoints check)."""
    return {("POST", "/outages/events")}


@pytest.mark.parametrize(("persona", "status"), [(p, EXPECT[p]) for p in PERSONAS])
def test_each_persona_gets_the_status_its_role_allows(
    persona: str,
    status: int,
    world: World,
    client_for: Callable[[str], Client],
) -> None:
    client = Client() if persona == "anonymous" else client_for(persona)

    response = post(client, [event()])

    assert response.status_code == status, response.content.decode()
    body = validate_response(response)
    if status == 401:
        assert body == ANONYMOUS_BODY
    elif status == 403:
        assert_chinese_error(body, "core.permission_denied")
    assert PowerEvent.objects.count() == (1 if status == 200 else 0)


def test_an_integrator_token_with_write_scope_posts_and_a_read_token_may_not(world: World) -> None:
    admin = world.users["admin"]
    _, writer = api_token_issue(
        actor=admin, user=admin, name="head-end", scopes=[ApiTokenScope.WRITE]
    )
    _, reader = api_token_issue(actor=admin, user=admin, name="viewer", scopes=[ApiTokenScope.READ])

    refused = post(Client(), [event()], HTTP_AUTHORIZATION=f"Bearer {reader}")
    accepted = post(Client(), [event()], HTTP_AUTHORIZATION=f"Bearer {writer}")

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert PowerEvent.objects.get().source == "http"


def test_a_batch_answers_counts_and_lists_each_rejection_by_position(
    world: World,
    client_for: Callable[[str], Client],
) -> None:
    client = client_for("admin")
    batch = [event(), event(), event("MB0001"), event("NOPE01"), "power_off", event(time="soon")]

    first = validate_response(post(client, batch))
    again = validate_response(post(client, batch[:3]))

    assert first == {
        "stored": 2,
        "duplicates": 1,
        "dead_letters": 3,
        "rejections": [
            {"index": 3, "reason": "unknown_device", "detail": "no meter NOPE01 in the topology"},
            {"index": 4, "reason": "not_an_object", "detail": "a JSON str, not an object"},
            {"index": 5, "reason": "bad_time", "detail": '"soon"'},
        ],
    }
    assert again == {"stored": 0, "duplicates": 3, "dead_letters": 0, "rejections": []}
    assert PowerEvent.objects.count() == 2
    assert DeadLetter.objects.filter(source="http").count() == 3


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[{", "outages.events.malformed_json"),
        (b"\xff\xfe", "outages.events.malformed_json"),
        ({"device": "MA0001"}, "outages.events.not_an_array"),
        (b"null", "outages.events.not_an_array"),
    ],
)
def test_a_body_that_is_not_a_json_array_is_a_400_and_stores_nothing(
    body: Any,
    code: str,
    world: World,
    client_for: Callable[[str], Client],
) -> None:
    response = post(client_for("admin"), body)

    assert response.status_code == 400
    assert_chinese_error(validate_response(response), code)
    assert not PowerEvent.objects.exists()
    assert not DeadLetter.objects.exists()


def test_more_than_the_limit_is_a_400_naming_it(
    world: World, client_for: Callable[[str], Client], settings: Any
) -> None:
    settings.OUTAGES_HTTP_MAX_EVENTS = 3

    response = post(client_for("admin"), [event()] * 4)

    assert response.status_code == 400
    assert response.json()["code"] == "outages.events.too_many"
    assert "3" in response.json()["message"]
    assert not PowerEvent.objects.exists()


def test_ten_thousand_events_are_accepted_in_one_batch(
    world: World, client_for: Callable[[str], Client]
) -> None:
    base = timezone.now().replace(microsecond=0)
    batch = [event(time=(base - timezone.timedelta(seconds=i)).isoformat()) for i in range(10_000)]

    response = post(client_for("admin"), batch)

    assert response.status_code == 200
    assert response.json()["stored"] == PowerEvent.objects.count() == 10_000
