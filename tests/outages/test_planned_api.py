"""The planned-outage and reliability endpoints: the flow an editor follows and the
refusals, each a 400 with a code and a Chinese message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.core.models import AuditLog
from gridcare.testing.personas import World
from tests.api.conftest import assert_chinese_error, validate_response
from tests.api.test_permission_matrix import call

pytestmark = pytest.mark.django_db
API = "/api/v1/outages"


def _body(days: float, **overrides: Any) -> dict[str, Any]:
    start = (timezone.now() + timedelta(days=days)).replace(microsecond=0)
    return {
        "planned_type": "maintenance",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=6)).isoformat(),
        "reason": "10kV 棠下线检修",
        "scope": {"feeders": ["F2"]},
        **overrides,
    }


def test_draft_preview_publish_with_override(
    world: World, client_for: Callable[[str], Client]
) -> None:
    manager = client_for("manager")
    created = call(manager, "POST", f"{API}/planned", _body(3))
    assert created.status_code == 201, created.content
    outage = validate_response(created)
    number = outage["number"]
    assert (outage["state"], outage["affected_count"], outage["scope"]["feeders"]) == (
        "draft",
        2,
        ["F2"],
    )

    preview = validate_response(manager.get(f"{API}/planned/{number}/preview"))
    assert preview["affected_count"] == 2
    assert preview["notice"]["met"] is False
    assert preview["notice"]["rule"] == "maintenance_7d"
    assert [a["number"] for a in preview["accounts"]] == ["3100000000002", "3100000000003"]
    assert "李四" not in str(preview)  # names are masked

    refused = call(manager, "POST", f"{API}/planned/{number}/publish", {})
    assert refused.status_code == 400
    body = validate_response(refused)
    assert_chinese_error(body, "outages.planned.notice_too_short")

    published = call(
        manager, "POST", f"{API}/planned/{number}/publish", {"override_reason": "隐患须尽快消除"}
    )
    assert published.status_code == 200, published.content
    assert validate_response(published)["notice_override"] == "manager: 隐患须尽快消除"
    assert AuditLog.objects.filter(action="outages.planned.notice_override").count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (_body(10, starts_at="2026-12-20T08:00:00"), None),  # no UTC offset: 422
        (_body(10, scope={"feeders": ["NOPE"]}), "outages.planned.unknown_feeder"),
        (_body(10, scope={}), "outages.planned.empty_scope"),
        (_body(10, reason=" "), "outages.planned.bad_reason"),
        (_body(-1), "outages.planned.starts_in_past"),
        (_body(10, planned_type="whenever"), None),
        (_body(10, scope={"accounts": ["31000"]}), None),
    ],
)
def test_bad_drafts(
    world: World, client_for: Callable[[str], Client], body: dict[str, Any], code: str | None
) -> None:
    response = call(client_for("manager"), "POST", f"{API}/planned", body)
    assert response.status_code in (400, 422), response.content
    payload = validate_response(response)
    assert_chinese_error(payload, code)


def test_a_stale_version_is_a_409(world: World, client_for: Callable[[str], Client]) -> None:
    manager = client_for("manager")
    number = validate_response(call(manager, "POST", f"{API}/planned", _body(10)))["number"]
    assert call(manager, "PUT", f"{API}/planned/{number}", _body(11, version=1)).status_code == 200
    stale = call(manager, "PUT", f"{API}/planned/{number}", _body(12, version=1))
    assert stale.status_code == 409
    assert_chinese_error(validate_response(stale), "outages.planned.stale")


def test_a_malformed_number_is_a_400(world: World, client_for: Callable[[str], Client]) -> None:
    response = client_for("manager").get(f"{API}/planned/TD123")
    assert response.status_code == 400
    assert_chinese_error(response.json(), "outages.number_invalid")
    missing = client_for("manager").get(f"{API}/planned/TD20261207000999")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-02-30&to=2026-03-01", "request.param.not_a_date"),
        ("from=2026/01/01&to=2026-03-01", "outages.reliability.bad_date"),
        ("from=2026-03-01&to=2026-01-01", "outages.reliability.bad_period"),
        ("from=2026-01-01&to=2026-03-01&feeder=F9", "outages.reliability.feeder_not_found"),
    ],
)
def test_reliability_refusals(
    world: World, client_for: Callable[[str], Client], query: str, code: str
) -> None:
    response = client_for("analyst").get(f"{API}/reliability?{query}")
    assert response.status_code in (400, 404), response.content
    assert_chinese_error(response.json(), code)


def test_reliability_answers_the_headline_first(
    world: World, client_for: Callable[[str], Client]
) -> None:
    response = client_for("agent_s2").get(
        f"{API}/reliability?from=2026-01-01&to=2026-01-31&feeder=F2"
    )
    body = validate_response(response)
    assert list(body)[:7] == [
        "customers_served",
        "saifi",
        "saidi_minutes",
        "caidi_minutes",
        "asai",
        "rs1",
        "rs3",
    ]
    assert (body["customers_served"], body["rs1"]) == (2, 100.0)
    assert (
        client_for("agent_s2")
        .get(f"{API}/reliability?from=2026-01-01&to=2026-01-31&feeder=F1")
        .status_code
        == 404
    )
