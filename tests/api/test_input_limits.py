"""What the API refuses and how: every limit the server enforces is also in the OpenAPI
document, and crossing it is a 4xx with a dotted code and a Chinese message, never a 500
(issue 23 §4: a long customer name was a 500; a 100,000-character text, a contact dated
9999-12-31 and a 5,000-character token name were accepted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from gridcare.core.models import ApiToken
from gridcare.customers.models import Customer, Interaction
from gridcare.testing.personas import World

from .conftest import assert_chinese_error, openapi_document

API = "/api/v1"
CALL = {"recording_ref": "rec-1", "duration_seconds": 60}


def _body_schema(path: str) -> dict[str, Any]:
    doc = openapi_document()
    ref = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_a_customer_name_over_100_characters_is_a_400_not_a_server_error(
    world: World, client_for, assert_schema
) -> None:
    before = Customer.objects.count()
    response = client_for("clerk_s1").post(
        f"{API}/customers",
        {"kind": "person", "name": "张" * 101, "mobile": "13500000008"},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("customers.customer.name_too_long", "name")
    assert_chinese_error(body)
    assert Customer.objects.count() == before


def test_a_token_name_of_5000_characters_is_refused(
    world: World, client_for, assert_schema
) -> None:
    response = client_for("admin").post(
        f"{API}/auth/tokens", {"name": "t" * 5000}, content_type="application/json"
    )
    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("core.api_token.name_too_long", "name")
    assert_chinese_error(body)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "occurred_at",
    ["9999-12-31T00:00:00+08:00", "1999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+01:00"],
)
def test_an_interaction_dated_outside_the_window_is_refused(
    world: World, client_for, assert_schema, occurred_at: str
) -> None:
    response = client_for("agent_s1").post(
        f"{API}/customers/{world.customer_alice.pk}/interactions",
        {"channel": "hotline", "summary": "来电", "occurred_at": occurred_at, "data": CALL},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = assert_schema(response)
    assert body["code"] == "customers.interaction.occurred_at_out_of_range"
    assert_chinese_error(body)
    assert not Interaction.objects.filter(summary="来电").exists()


def test_an_interaction_a_few_hours_ahead_is_accepted(world: World, client_for) -> None:
    # A CTI server whose clock runs a little fast still gets its calls recorded.
    soon = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    response = client_for("agent_s1").post(
        f"{API}/customers/{world.customer_alice.pk}/interactions",
        {"channel": "hotline", "summary": "来电", "occurred_at": soon, "data": CALL},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_a_body_of_100000_characters_is_refused(world: World, client_for) -> None:
    response = client_for("agent_s1").post(
        f"{API}/customers/{world.customer_alice.pk}/interactions",
        {"channel": "hotline", "summary": "来电", "body": "电" * 100_000, "data": CALL},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert not Interaction.objects.filter(summary="来电").exists()


def test_an_unknown_property_is_refused_not_ignored(world: World, client_for) -> None:
    response = client_for("admin").post(
        f"{API}/auth/tokens", {"name": "ok", "expires_in": 30}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "expires_in"
    assert not ApiToken.objects.exists()


def test_a_csv_body_without_the_header_line_is_refused(world: World, client_for) -> None:
    response = client_for("admin").post(
        f"{API}/metering/readings",
        b"MA0001,2026-11-21T00:15:00+08:00,1.0\n",
        content_type="text/csv",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "metering.csv.bad_header"
    assert_chinese_error(response.json())


@pytest.mark.parametrize(
    ("body", "line"),
    [
        # Found by the fuzz test: DuckDB's CSV reader gave up on it, and its message named
        # the server's upload path.
        (b"meter,ts,kwh,quality\n\xf2\xa7\xba\xb6\xc3\x82\r\xc2\x97\x04", 2),
        (b"meter,ts,kwh\nMA0001,2026-11-21T00:15:00+08:00,1.0\nMA0001\x04,x,1\n", 3),
        (b"meter,ts,kwh\nMA0001,2026-11-21T00:15:00+08:00,1.0\r", 2),
    ],
)
def test_a_csv_body_with_control_characters_is_refused_naming_its_line(
    body: bytes, line: int, world: World, client_for
) -> None:
    response = client_for("admin").post(f"{API}/metering/readings", body, content_type="text/csv")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "metering.csv.control_characters"
    assert f"第 {line} 行" in error["message"]
    assert "/" not in error["message"], "no server path in the message"
    assert_chinese_error(error)


def test_a_csv_body_mixing_crlf_and_lf_line_ends_is_imported(world: World, client_for) -> None:
    # Found by the fuzz test: DuckDB's reader refused the mix (400 metering.file.unreadable).
    body = (
        b"meter,ts,kwh\r\nMA0001,2026-11-21T00:15:00+08:00,1.0\n"
        b"MA0001,2026-11-21T00:30:00+08:00,1.5\r\nnot a reading\n"
    )
    response = client_for("admin").post(f"{API}/metering/readings", body, content_type="text/csv")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["accepted"], answer["rejected"]) == (2, 1)


def test_the_document_states_the_limits_the_server_enforces(db: None) -> None:
    customer = _body_schema("/api/v1/customers")
    assert customer["additionalProperties"] is False
    assert customer["properties"]["name"]["maxLength"] == 100
    assert customer["properties"]["name"]["minLength"] == 1
    assert "pattern" in customer["properties"]["mobile"]
    assert _body_schema("/api/v1/auth/tokens")["properties"]["name"]["maxLength"] == 100
    interaction = _body_schema("/api/v1/customers/{customer_id}/interactions")
    assert interaction["properties"]["body"]["maxLength"] == 5000
    assert interaction["properties"]["summary"]["pattern"] == r"^[^\x00]*$"
    assert "2000-01-01" in interaction["properties"]["occurred_at"]["description"]
    reveal = _body_schema("/api/v1/customers/{customer_id}/reveal")
    assert reveal["properties"]["field"]["enum"] == ["name", "mobile", "id_number"]
    doc = openapi_document()
    channel = doc["components"]["schemas"]["InteractionChannel"]
    assert "hotline" in channel["enum"]


@pytest.mark.parametrize(
    "path",
    ["/customers/1.5", "/customers/+1", "/customers/0", "/customers?page_size=1e2",
     "/customers?page_size=%201", "/customers?page_size=2.50"],
)  # fmt: skip
def test_an_integer_that_is_not_written_as_digits_is_refused(
    world: World, client_for, path: str
) -> None:
    # The document says integer (minimum 1); pydantic alone would read "+1" and " 1" as 1.
    response = client_for("admin").get(f"{API}{path}")
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"


def test_an_integer_with_a_zero_fraction_is_the_integer(world: World, client_for) -> None:
    # JSON Schema counts 100.0 as an integer, and clients generated from the document send it.
    plain = client_for("admin").get(f"{API}/customers?page_size=2")
    fraction = client_for("admin").get(f"{API}/customers?page_size=2.0")
    assert plain.status_code == fraction.status_code == 200
    assert fraction.json() == plain.json()


def test_integer_parameters_state_their_bounds(db: None) -> None:
    params = openapi_document()["paths"]["/api/v1/customers/{customer_id}/timeline"]["get"]
    by_name = {p["name"]: p["schema"] for p in params["parameters"]}
    assert (by_name["customer_id"]["minimum"], by_name["customer_id"]["maximum"]) == (1, 2**63 - 1)
    assert by_name["page_size"]["anyOf"][0] == {"maximum": 200, "minimum": 1, "type": "integer"}


def test_a_csv_body_duckdb_cannot_parse_is_a_400_not_a_server_error(
    world: World, client_for, settings, tmp_path
) -> None:
    # Found by the fuzz test: mixed line endings and control characters after the header.
    settings.DATA_DIR = tmp_path
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"
    body = "meter,ts,kwh\r\n\x9e\U000e7e9d¥Ù\x05\n3\x87v".encode()
    response = client_for("admin").post(f"{API}/metering/readings", body, content_type="text/csv")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "metering.csv.control_characters"
    assert_chinese_error(response.json())
