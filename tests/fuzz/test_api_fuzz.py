"""Schemathesis against our own OpenAPI schema: no input, however odd, makes the API fail
with a server error, and every documented answer matches its schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from gridcare.core.services import api_token_issue
from gridcare.testing.personas import World
from gridcare.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open() -> Iterator[None]:
    # The WSGI handler closes "old" connections around each request, which would close the
    # connection holding the test's transaction; Django's own test client detaches the same
    # receivers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(world: World) -> str:
    admin = world.users["admin"]
    _, plaintext = api_token_issue(
        actor=admin, user=admin, name="fuzz", scopes=["read", "write", "admin"]
    )
    return plaintext


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_every_generated_request_without_a_server_error(case, admin_token) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
