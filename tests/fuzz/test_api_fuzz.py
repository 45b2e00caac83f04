"""Schemathesis with every check against our own OpenAPI document, anonymous and with an
admin token: no input makes the API fail with a server error, every answer matches its
documented schema, every request the document calls valid is accepted (2xx, or 401/403/
404/409/429 for who asks and what exists), and every request it calls invalid is refused
(issue 23 §4: the document was looser than the server).

Two rules JSON Schema cannot state are taught to the generator here, each documented in
the schema's own text: an ID number's GB 11643 check character (the custom format
`gb11643-id-number`) and an interaction's date window (`occurred_at`, at most one day
ahead). Examples are bounded so the module runs in a few minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance

from gridcare.core.services import api_token_issue
from gridcare.core.validators import id_number_check_digit
from gridcare.customers.schemas import ID_NUMBER_FORMAT
from gridcare.testing.personas import World
from gridcare.wsgi import application

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

schemathesis.openapi.format(
    ID_NUMBER_FORMAT,
    st.from_regex(r"\A[0-9]{17}\Z").map(lambda first: first + id_number_check_digit(first)),
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.hook
def map_body(context: Any, body: Any) -> Any:
    """A well-formed `occurred_at` outside the documented window becomes now: the window
    moves with the clock, so the document states it in words, not as a constraint."""
    if isinstance(body, dict) and isinstance(body.get("occurred_at"), str):
        try:
            when = dt.datetime.fromisoformat(body["occurred_at"])
        except ValueError:
            return body
        now = dt.datetime.now(dt.UTC)
        aware = when if when.tzinfo else when.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
        if not dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= aware <= now + dt.timedelta(hours=23):
            return {**body, "occurred_at": now.isoformat()}
    return body


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


#: Operations whose valid requests depend on data the document cannot express: what a
#: business application requires (facts, capacity, documents) depends on its `kind`, read
#: from workflows.toml, and the request's text says so. For them a 400 with a coded Chinese
#: message is a correct answer to a schema-valid body; every other check still runs.
KIND_DEPENDENT = {("POST", "/api/v1/service/applications")}
#: Uploads: Django's multipart parser drops a zero-byte file part, so an empty file reaches
#: the view as no file and is refused as missing (422 with the field named); OpenAPI has no
#: "non-empty binary" the generator honours.
EMPTY_FILE_DROPPED = {("POST", "/api/v1/service/orders/{number}/attachments")}
#: Planned outages and reliability (issue 26): whether a schema-valid request is accepted
#: depends on the clock (a window in the future, the notice period), the topology (the
#: codes exist and are yours), the outage's state and the calendar (2026-02-30 has the
#: documented shape); each refusal is a 400 with a code and a Chinese message.
KIND_DEPENDENT |= {
    ("POST", "/api/v1/outages/planned"),
    ("PUT", "/api/v1/outages/planned/{number}"),
    ("POST", "/api/v1/outages/planned/{number}/publish"),
    ("POST", "/api/v1/outages/planned/{number}/cancel"),
    ("POST", "/api/v1/outages/planned/{number}/restore"),
    ("GET", "/api/v1/outages/reliability"),
    # The outage search: with by=account, q must be a 13-digit 户号 (stated in q's text).
    ("GET", "/api/v1/outages"),
    # Knowledge-base entries (issue 27): valid_from after valid_to, and the code "new"
    # (a console path word), are 400s the document states in words only.
    ("POST", "/api/v1/assistant/faq"),
    ("PUT", "/api/v1/assistant/faq/{code}"),
    # Monitoring KPIs (issue 28): a reversed period, one longer than three years and a
    # calendar-invalid date (2026-02-30) are 400s stated in the parameters' text.
    ("GET", "/api/v1/monitoring/kpis"),
}


#: Power events: the elements are left unconstrained on purpose (a bad one is
#: dead-lettered, not a reason to refuse the batch), so the generator may put a NUL
#: character in a key or value at any depth; the edge refuses NUL anywhere in a request
#: (core.middleware, 400 `core.request.nul_character`), which JSON Schema cannot state for
#: arbitrary elements.
NUL_ANYWHERE = {("POST", "/api/v1/outages/events")}


def _checks(case: Any) -> dict[str, Any]:
    method = case.operation.method.upper()
    relaxed = KIND_DEPENDENT | EMPTY_FILE_DROPPED | NUL_ANYWHERE
    if (method, case.operation.path) in relaxed or (method, case.operation.full_path) in relaxed:
        return {"excluded_checks": [positive_data_acceptance]}
    return {}


@schema.parametrize()
@EXAMPLES
def test_every_check_passes_for_an_admin_with_a_token(case, admin_token) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, **_checks(case))


@schema.parametrize()
@EXAMPLES
def test_every_check_passes_anonymously(case, world) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(**_checks(case))
