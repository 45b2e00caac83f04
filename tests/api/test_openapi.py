"""The API describes itself: OpenAPI at /api/v1/openapi.json, Swagger UI at /api/v1/docs,
served entirely from our own static files (no CDN), and the schema helper is trustworthy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from .conftest import openapi_document, schema_errors

API = "/api/v1"
ENDPOINTS = {
    ("post", "/auth/login"),
    ("post", "/auth/logout"),
    ("get", "/auth/me"),
    ("get", "/auth/tokens"),
    ("get", "/auth/tokens/all"),
    ("post", "/auth/tokens"),
    ("delete", "/auth/tokens/{token_id}"),
    ("get", "/customers"),
    ("post", "/customers"),
    ("get", "/customers/{customer_id}"),
    ("post", "/customers/{customer_id}/reveal"),
    ("get", "/customers/{customer_id}/timeline"),
    ("post", "/customers/{customer_id}/interactions"),
    ("get", "/accounts"),
    ("get", "/accounts/{number}"),
    ("post", "/accounts/bindings/request"),
    ("post", "/accounts/bindings/confirm"),
    ("delete", "/accounts/bindings/{number}"),
    ("post", "/metering/readings"),
    ("get", "/calendar/{year}"),
    ("get", "/calendar/{year}.ics"),
    ("post", "/service/applications"),
    ("get", "/service/applications/{number}"),
    ("post", "/service/applications/{number}/steps/{code}/complete"),
    ("post", "/service/applications/{number}/steps/{code}/wait"),
    ("post", "/service/applications/{number}/steps/{code}/resume"),
    ("post", "/service/orders/{number}/attachments"),
    ("get", "/service/orders/{number}/attachments"),
    ("get", "/service/orders/{number}/attachments/{attachment_id}"),
    ("post", "/service/orders"),
    ("get", "/service/orders"),
    ("get", "/service/orders/{number}"),
    ("post", "/service/orders/{number}/actions/{action}"),
    ("post", "/service/orders/{number}/notes"),
    ("get", "/service/orders/{number}/suggestions"),
    ("post", "/service/orders/{number}/merge"),
    ("get", "/service/categories"),
    ("get", "/service/teams"),
    ("get", "/billing/bills"),
    ("get", "/billing/bills/{number}"),
    ("get", "/billing/bills/{number}.pdf"),
    ("get", "/billing/accounts/{number}/ledger"),
    ("get", "/billing/accounts/{number}/balance"),
    ("get", "/billing/payments"),
    ("post", "/billing/payments"),
    ("get", "/billing/payments/{out_trade_no}"),
    ("post", "/billing/payments/counter"),
    ("post", "/billing/payments/{out_trade_no}/refunds"),
    ("post", "/billing/quote"),
    ("get", "/billing/tariffs"),
    # Outages: planned outages and reliability (issue 26).
    ("get", "/outages/planned"),
    ("post", "/outages/planned"),
    ("get", "/outages/planned/{number}"),
    ("put", "/outages/planned/{number}"),
    ("get", "/outages/planned/{number}/preview"),
    ("post", "/outages/planned/{number}/publish"),
    ("post", "/outages/planned/{number}/cancel"),
    ("post", "/outages/planned/{number}/restore"),
    ("get", "/outages/reliability"),
    # Outages: the public search (tests/outages/test_search_api.py holds its matrix).
    ("get", "/outages"),
    ("get", "/outages/{number}"),
    # Outages: power events from integrators (tests/outages/test_events_api.py).
    ("post", "/outages/events"),
    # Assistant: the channel adapters' messages (tests/assistant/dialogue/test_messages_api.py).
    ("post", "/assistant/messages"),
    # Assistant: the knowledge base (tests/assistant/kb/test_api_matrix.py).
    ("get", "/assistant/faq"),
    ("post", "/assistant/faq"),
    ("get", "/assistant/faq/{code}"),
    ("put", "/assistant/faq/{code}"),
    ("get", "/assistant/unanswered"),
    # Monitoring: the KPI catalogue (issue 28).
    ("get", "/monitoring/kpis"),
}
PUBLIC = {("post", "/auth/login")}
#: Open to everyone, credentials optional (the public outage search): `{}` leads the list.
OPTIONAL_AUTH = {
    ("get", "/outages"),
    ("get", "/outages/{number}"),
    ("get", "/assistant/faq"),
    ("get", "/assistant/faq/{code}"),
}


@pytest.fixture
def served(db: None) -> dict[str, Any]:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def test_the_served_document_lists_every_endpoint_and_nothing_else(
    served: dict[str, Any],
) -> None:
    listed = {
        (method, path.removeprefix(API))
        for path, operations in served["paths"].items()
        for method in operations
    }

    assert listed == ENDPOINTS
    assert served["info"]["title"] == "GridCare API"
    assert served == openapi_document()


def test_every_endpoint_but_login_declares_session_or_bearer_auth(
    served: dict[str, Any],
) -> None:
    schemes = served["components"]["securitySchemes"]
    assert schemes["SessionAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    assert schemes["BearerTokenAuth"] == {"type": "http", "scheme": "bearer"}
    for method, path in ENDPOINTS - PUBLIC:
        security = served["paths"][API + path][method].get("security", [])
        expected = [{"SessionAuth": []}, {"BearerTokenAuth": []}]
        if (method, path) in OPTIONAL_AUTH:
            expected.append({})
        assert sorted(map(str, security)) == sorted(map(str, expected)), (method, path)
    assert "security" not in served["paths"][f"{API}/auth/login"]["post"]


def test_every_endpoint_documents_the_error_statuses_it_answers(
    served: dict[str, Any],
) -> None:
    for method, path in ENDPOINTS:
        responses = served["paths"][API + path][method]["responses"]
        for status in ("400", "401", "403", "404", "429"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)


def test_endpoints_that_validate_input_document_the_422_answer(served: dict[str, Any]) -> None:
    takes_input = [
        (method, path)
        for method, path in ENDPOINTS
        if "requestBody" in served["paths"][API + path][method]
        or served["paths"][API + path][method].get("parameters")
    ]
    assert takes_input
    undocumented = [
        (method, path)
        for method, path in takes_input
        if "422" not in served["paths"][API + path][method]["responses"]
    ]
    assert undocumented == []


def test_swagger_ui_is_served_with_no_external_host(db: None) -> None:
    response = Client().get(f"{API}/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/"), asset
    assert f'"{API}/openapi.json"' in html


def test_the_swagger_assets_are_served_by_our_own_static_files(db: None) -> None:
    html = Client().get(f"{API}/docs").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)

    assert any(asset.endswith(".js") for asset in assets)
    assert any(asset.endswith(".css") for asset in assets)
    for asset in assets:
        response = Client().get(asset)
        assert response.status_code == 200, asset


# --- The schema helper itself must be able to fail ---


def test_the_schema_helper_rejects_a_missing_required_key() -> None:
    errors = schema_errors({"code": "x"}, {"$ref": "#/components/schemas/ErrorOut"})

    assert errors == ["$: required key 'message' is missing"]


def test_the_schema_helper_rejects_wrong_types_in_nested_references() -> None:
    page = {
        "count": 1,
        "items": [
            {
                "id": "1",
                "kind": "person",
                "name_masked": "张*丰",
                "mobile_masked": None,
                "id_number_masked": "",
            }
        ],
    }

    errors = schema_errors(page, {"$ref": "#/components/schemas/PagedCustomerOut"})

    assert any("$.items[0].id" in error for error in errors), errors
    assert any("$.items[0].mobile_masked" in error for error in errors), errors


def test_the_schema_helper_rejects_undocumented_keys_such_as_a_leaked_field() -> None:
    body = {
        "id": 1,
        "kind": "person",
        "name_masked": "张*丰",
        "mobile_masked": "138****0001",
        "id_number_masked": "1101**********002X",
        "mobile": "13800000001",
    }

    errors = schema_errors(body, {"$ref": "#/components/schemas/CustomerOut"})

    assert errors == ["$: key 'mobile' is not documented"]


def test_the_schema_helper_accepts_nullable_fields_and_checks_dates() -> None:
    token = {
        "id": 1,
        "name": "x",
        "prefix": "gc_abcdefg",
        "scopes": ["read"],
        "user": "agent_s1",
        "created_at": "2026-01-01T08:00:00Z",
        "expires_at": "2027-01-01T08:00:00Z",
        "last_used_at": None,
    }
    schema = {"$ref": "#/components/schemas/TokenOut"}

    errors = schema_errors(token | {"last_used_at": "not a date"}, schema)

    assert schema_errors(token, schema) == []
    assert len(errors) == 1
    assert errors[0].startswith("$.last_used_at")
