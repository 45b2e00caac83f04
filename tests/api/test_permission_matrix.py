"""Who may call what: every persona against every endpoint of /api/v1.

Anonymous → 401, wrong role → 403, right role → success, right role outside the org scope
→ 404 (never 403, so the API does not confirm that a record exists). Each cell also checks
the persisted effect: a call that is refused changes nothing.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from PIL import Image

from gridcare.core.models import ApiToken, AuditLog
from gridcare.core.services import api_token_issue
from gridcare.customers.models import AccountBinding, Customer, Interaction, SimulatedMessage
from gridcare.customers.services import account_bind_request
from gridcare.metering.models import ImportBatch
from gridcare.service.models import (
    Application,
    ApplicationStep,
    Attachment,
    WorkOrder,
    WorkOrderEvent,
)
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.service.services.applications import application_step_wait, application_submit
from gridcare.service.services.uploads import Upload, attachment_add
from gridcare.testing.personas import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    ALICE_ID_NUMBER,
    ALICE_MOBILE,
    BOB_MOBILE,
    PASSWORD,
    World,
)

from .conftest import assert_chinese_error, openapi_document, validate_response, visible_text

API = "/api/v1"
ANONYMOUS_BODY = {"code": "core.auth.required", "message": "请先登录或提供有效的访问令牌"}
PERSONAS = (
    "anonymous",
    "alice",
    "bob",
    "agent_s1",
    "agent_s2",
    "clerk_s1",
    "dispatcher",
    "crew",
    "analyst",
    "manager",
    "admin",
)
CUSTOMERS = ("alice", "bob")
SUCCESS = (200, 201, 204)


def table(default: int, **overrides: int) -> dict[str, int]:
    """Expected status per persona: `default` for every logged-in persona, 401 anonymous."""
    statuses = dict.fromkeys(PERSONAS, default) | {"anonymous": 401}
    for name, status in overrides.items():
        assert name in PERSONAS, name
        statuses[name] = status
    return statuses


def each(names: tuple[str, ...], status: int) -> dict[str, int]:
    return dict.fromkeys(names, status)


Prepared = tuple[str, dict[str, Any] | None]


@dataclass(frozen=True)
class Endpoint:
    """One endpoint aimed at one resource of the persona world, with the expected statuses.

    `prepare(world, persona, capture)` returns the path and JSON body; `effect()` counts the
    rows a successful call changes by `delta` (and a refused call leaves alone).
    """

    key: str
    method: str
    route: str
    expect: dict[str, int]
    prepare: Callable[[World, str, Any], Prepared]
    effect: Callable[[], int] | None = None
    delta: int = 0
    #: The body goes as multipart/form-data (file uploads), not JSON.
    multipart: bool = False


def fixed(path: str, body: dict[str, Any] | None = None) -> Callable[[World, str, Any], Prepared]:
    return lambda world, persona, capture: (API + path, body)


BODIES: dict[str, dict[str, Any] | None] = {
    "": None,
    "/reveal": {"field": "mobile"},
    "/timeline": None,
    "/interactions": {
        "channel": "hotline",
        "summary": "来电咨询停电原因",
        "data": {"recording_ref": "rec-1", "duration_seconds": 95},
    },
}


def customer_path(attr: str, suffix: str = "") -> Callable[[World, str, Any], Prepared]:
    def prepare(world: World, persona: str, capture: Any) -> Prepared:
        customer: Model = getattr(world, attr)
        body = BODIES[suffix]
        return f"{API}/customers/{customer.pk}{suffix}", body

    return prepare


def admins_token(world: World, persona: str, capture: Any) -> Prepared:
    admin = world.users["admin"]
    token, _ = api_token_issue(actor=admin, user=admin, name="admin's integration")
    return f"{API}/auth/tokens/{token.pk}", None


def agents_token(world: World, persona: str, capture: Any) -> Prepared:
    agent = world.users["agent_s1"]
    token, _ = api_token_issue(actor=agent, user=agent, name="agent's integration")
    return f"{API}/auth/tokens/{token.pk}", None


def pending_code_for_c(world: World, persona: str, capture: Any) -> Prepared:
    """Customers first receive a real code for account C, as the portal flow would."""
    code = "000000"
    user = world.users.get(persona)
    if user is not None and user.is_customer:
        with capture(execute=True):
            account_bind_request(actor=user, account_number=ACCOUNT_C)
        text = SimulatedMessage.objects.filter(mobile="13700000003").first().text  # type: ignore[union-attr]
        code = re.search(r"验证码 (\d{6})", text).group(1)  # type: ignore[union-attr]
    return f"{API}/accounts/bindings/confirm", {"account_number": ACCOUNT_C, "code": code}


def active_bindings() -> int:
    return AccountBinding.objects.filter(revoked_at__isnull=True).count()


# --- Business applications: alice's meter-calibration application on account A ---

STEP_TABLE = table(200, **each(("bob", "agent_s2", "crew"), 404), **each(("alice", "analyst"), 403))


def _alices_application(world: World) -> str:
    application = application_submit(
        actor=world.users["alice"], kind="meter_calibration", account_number=ACCOUNT_A
    )
    return application.order.number


def alices_application(
    suffix: str = "", body: dict[str, Any] | None = None, *, waiting: bool = False
) -> Callable[[World, str, Any], Prepared]:
    def prepare(world: World, persona: str, capture: Any) -> Prepared:
        number = _alices_application(world)
        if waiting:
            application_step_wait(actor=world.users["agent_s1"], number=number, step_code="accept")
        return f"{API}/service/applications/{number}{suffix}", body

    return prepare


def alices_order_attachments(
    *, upload: bool = False, download: bool = False
) -> Callable[[World, str, Any], Prepared]:
    def prepare(world: World, persona: str, capture: Any) -> Prepared:
        number = _alices_application(world)
        path = f"{API}/service/orders/{number}/attachments"
        if upload:
            photo = SimpleUploadedFile("表计.png", PNG_1PX, content_type="image/png")
            return path, {"kind": "site_photo", "file": photo}
        if download:
            photo = Upload("表计.png", PNG_1PX, "image/png")
            found = attachment_add(
                actor=world.users["alice"], number=number, kind="site_photo", upload=photo
            )
            return f"{path}/{found.pk}", None
        return path, None

    return prepare


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


PNG_1PX = _png()


ENDPOINTS = [
    Endpoint("GET /auth/me", "GET", "/auth/me", table(200), fixed("/auth/me")),
    Endpoint("GET /auth/tokens", "GET", "/auth/tokens", table(200), fixed("/auth/tokens")),
    Endpoint(
        "POST /auth/tokens",
        "POST",
        "/auth/tokens",
        table(201, **each(CUSTOMERS, 403)),
        fixed("/auth/tokens", {"name": "matrix"}),
        effect=ApiToken.objects.count,
        delta=1,
    ),
    Endpoint(
        "DELETE /auth/tokens/{admin's}",
        "DELETE",
        "/auth/tokens/{token_id}",
        table(404, admin=204),
        admins_token,
        effect=lambda: ApiToken.objects.filter(revoked_at__isnull=True).count(),
        delta=-1,
    ),
    Endpoint(
        "DELETE /auth/tokens/{agent's}",
        "DELETE",
        "/auth/tokens/{token_id}",
        table(404, agent_s1=204, admin=204),
        agents_token,
        effect=lambda: ApiToken.objects.filter(revoked_at__isnull=True).count(),
        delta=-1,
    ),
    Endpoint(
        "GET /auth/tokens/all",
        "GET",
        "/auth/tokens/all",
        table(403, admin=200),
        fixed("/auth/tokens/all"),
    ),
    Endpoint(
        "GET /customers",
        "GET",
        "/customers",
        table(200, **each((*CUSTOMERS, "crew", "analyst"), 403)),
        fixed("/customers"),
    ),
    Endpoint(
        "POST /customers",
        "POST",
        "/customers",
        table(403, clerk_s1=201, admin=201),
        fixed("/customers", {"kind": "person", "name": "钱七", "mobile": "13500000008"}),
        effect=Customer.objects.count,
        delta=1,
    ),
    Endpoint(
        "POST /metering/readings",
        "POST",
        "/metering/readings",
        table(403, admin=200),
        fixed("/metering/readings", {"readings": []}),
        effect=ImportBatch.objects.count,
        delta=1,
    ),
    Endpoint(
        "GET /customers/{alice}",
        "GET",
        "/customers/{customer_id}",
        table(200, **each((*CUSTOMERS, "crew", "analyst"), 403), agent_s2=404),
        customer_path("customer_alice"),
    ),
    Endpoint(
        "GET /customers/{bob}",
        "GET",
        "/customers/{customer_id}",
        table(
            200,
            **each((*CUSTOMERS, "crew", "analyst"), 403),
            **each(("agent_s1", "clerk_s1", "dispatcher"), 404),
        ),
        customer_path("customer_bob"),
    ),
    Endpoint(
        "GET /customers/{alice}/timeline",
        "GET",
        "/customers/{customer_id}/timeline",
        table(200, **each((*CUSTOMERS, "crew", "analyst"), 403), agent_s2=404),
        customer_path("customer_alice", "/timeline"),
    ),
    Endpoint(
        "POST /customers/{alice}/interactions",
        "POST",
        "/customers/{customer_id}/interactions",
        table(201, **each((*CUSTOMERS, "crew", "analyst"), 403), agent_s2=404),
        customer_path("customer_alice", "/interactions"),
        effect=Interaction.objects.count,
        delta=1,
    ),
    Endpoint(
        "POST /customers/{alice}/reveal",
        "POST",
        "/customers/{customer_id}/reveal",
        table(403, agent_s2=404, manager=200, admin=200),
        customer_path("customer_alice", "/reveal"),
        effect=lambda: AuditLog.objects.filter(action="core.pii.reveal").count(),
        delta=1,
    ),
    Endpoint("GET /accounts", "GET", "/accounts", table(200), fixed("/accounts")),
    Endpoint(
        "GET /accounts/{A}",
        "GET",
        "/accounts/{number}",
        table(200, bob=404, agent_s2=404),
        fixed(f"/accounts/{ACCOUNT_A}"),
    ),
    Endpoint(
        "GET /accounts/{B}",
        "GET",
        "/accounts/{number}",
        table(200, **each(("alice", "agent_s1", "clerk_s1", "dispatcher", "crew"), 404)),
        fixed(f"/accounts/{ACCOUNT_B}"),
    ),
    Endpoint(
        "POST /accounts/bindings/request",
        "POST",
        "/accounts/bindings/request",
        table(403, alice=200, bob=200),
        fixed("/accounts/bindings/request", {"account_number": ACCOUNT_C}),
        effect=SimulatedMessage.objects.count,
        delta=1,
    ),
    Endpoint(
        "POST /accounts/bindings/confirm",
        "POST",
        "/accounts/bindings/confirm",
        table(403, alice=201, bob=201),
        pending_code_for_c,
        effect=active_bindings,
        delta=1,
    ),
    Endpoint(
        "DELETE /accounts/bindings/{A}",
        "DELETE",
        "/accounts/bindings/{number}",
        table(403, alice=204, bob=404),
        fixed(f"/accounts/bindings/{ACCOUNT_A}"),
        effect=active_bindings,
        delta=-1,
    ),
    # Public holidays are public information: every logged-in user and token may read them.
    Endpoint(
        "GET /calendar/{year}", "GET", "/calendar/{year}", table(200), fixed("/calendar/2025")
    ),
    Endpoint(
        "GET /calendar/{year}.ics",
        "GET",
        "/calendar/{year}.ics",
        table(200),
        fixed("/calendar/2025.ics"),
    ),
    # --- Business applications and attachments (service.api_applications) ---
    Endpoint(
        "POST /service/applications",
        "POST",
        "/service/applications",
        table(
            201,
            **each(("bob", "agent_s2"), 404),
            **each(("crew", "analyst"), 403),
        ),
        fixed(
            "/service/applications",
            {
                "kind": "meter_calibration",
                "account_number": ACCOUNT_A,
                "contact_data": {"queue_number": "A01", "wait_seconds": 60, "service_seconds": 300},
            },
        ),
        effect=Application.objects.count,
        delta=1,
    ),
    Endpoint(
        "GET /service/applications/{alice's}",
        "GET",
        "/service/applications/{number}",
        table(200, **each(("bob", "agent_s2", "crew"), 404)),
        alices_application(),
    ),
    Endpoint(
        "POST /service/applications/{alice's}/steps/accept/complete",
        "POST",
        "/service/applications/{number}/steps/{code}/complete",
        STEP_TABLE,
        alices_application("/steps/accept/complete", {"note": "资料齐全"}),
        effect=lambda: ApplicationStep.objects.filter(state="done").count(),
        delta=1,
    ),
    Endpoint(
        "POST /service/applications/{alice's}/steps/accept/wait",
        "POST",
        "/service/applications/{number}/steps/{code}/wait",
        STEP_TABLE,
        alices_application("/steps/accept/wait", {"note": "缺身份证"}),
        effect=lambda: ApplicationStep.objects.filter(state="waiting").count(),
        delta=1,
    ),
    Endpoint(
        "POST /service/applications/{alice's}/steps/accept/resume",
        "POST",
        "/service/applications/{number}/steps/{code}/resume",
        STEP_TABLE,
        alices_application("/steps/accept/resume", {}, waiting=True),
        effect=lambda: ApplicationStep.objects.filter(state="waiting").count(),
        delta=-1,
    ),
    Endpoint(
        "POST /service/orders/{alice's}/attachments",
        "POST",
        "/service/orders/{number}/attachments",
        table(201, **each(("bob", "agent_s2", "crew"), 404), analyst=403),
        alices_order_attachments(upload=True),
        effect=Attachment.objects.count,
        delta=1,
        multipart=True,
    ),
    Endpoint(
        "GET /service/orders/{alice's}/attachments",
        "GET",
        "/service/orders/{number}/attachments",
        table(200, **each(("bob", "agent_s2", "crew"), 404)),
        alices_order_attachments(),
    ),
    Endpoint(
        "GET /service/orders/{alice's}/attachments/{id}",
        "GET",
        "/service/orders/{number}/attachments/{attachment_id}",
        table(200, **each(("bob", "agent_s2", "crew"), 404)),
        alices_order_attachments(download=True),
    ),
]


# --- Work orders (/service): customers their own, crew their team's, agents their unit's ---

STAFF_WRITERS = ("agent_s1", "manager", "admin")


def _order(world: World, *, account: str = ACCOUNT_A, dispatch: bool = False) -> WorkOrder:
    owner = "alice" if account == ACCOUNT_A else "bob"
    order = order_create(
        actor=world.users[owner],
        draft=OrderDraft(
            order_type="fault_repair", origin="web", title="停电", account_number=account
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


def order_path(
    suffix: str = "", body: dict[str, Any] | None = None, **options: Any
) -> Callable[[World, str, Any], Prepared]:
    def prepare(world: World, persona: str, capture: Any) -> Prepared:
        number = _order(world, **options).number
        return f"{API}/service/orders/{number}{suffix}", body

    return prepare


def merge_pair(world: World, persona: str, capture: Any) -> Prepared:
    parent, child = _order(world), _order(world)
    return f"{API}/service/orders/{child.number}/merge", {
        "parent_number": parent.number,
        "note": "同一故障",
    }


def order_events(kind: str) -> Callable[[], int]:
    return WorkOrderEvent.objects.filter(kind=kind).count


ORDER_CREATE_BODY = {
    "order_type": "fault_repair",
    "origin": "web",
    "title": "家里停电",
    "account_number": ACCOUNT_A,
}

ENDPOINTS += [
    Endpoint(
        "POST /service/orders",
        "POST",
        "/service/orders",
        table(201, bob=404, agent_s2=404, crew=403, analyst=403),
        fixed("/service/orders", ORDER_CREATE_BODY),
        effect=WorkOrder.objects.count,
        delta=1,
    ),
    Endpoint("GET /service/orders", "GET", "/service/orders", table(200), fixed("/service/orders")),
    Endpoint(
        "GET /service/orders/{A, dispatched}",
        "GET",
        "/service/orders/{number}",
        table(200, bob=404, agent_s2=404),
        order_path(dispatch=True),
    ),
    Endpoint(
        "GET /service/orders/{A, accepted}",
        "GET",
        "/service/orders/{number}",
        table(200, bob=404, agent_s2=404, crew=404),
        order_path(),
    ),
    Endpoint(
        "GET /service/orders/{B}",
        "GET",
        "/service/orders/{number}",
        table(404, bob=200, agent_s2=200, analyst=200, manager=200, admin=200),
        order_path(account=ACCOUNT_B),
    ),
    Endpoint(
        "POST /service/orders/{A}/actions/dispatch",
        "POST",
        "/service/orders/{number}/actions/{action}",
        table(403, bob=404, agent_s2=404, crew=404, **each((*STAFF_WRITERS, "dispatcher"), 200)),
        lambda world, persona, capture: (
            f"{API}/service/orders/{_order(world).number}/actions/dispatch",
            {"team_id": world.team_1.pk},
        ),
        effect=order_events("dispatch"),
        delta=1,
    ),
    Endpoint(
        "POST /service/orders/{A, dispatched}/actions/take",
        "POST",
        "/service/orders/{number}/actions/{action}",
        table(200, alice=403, bob=404, agent_s2=404, analyst=403),
        order_path("/actions/take", {}, dispatch=True),
        effect=order_events("take"),
        delta=1,
    ),
    Endpoint(
        "POST /service/orders/{A}/actions/cancel",
        "POST",
        "/service/orders/{number}/actions/{action}",
        table(403, alice=200, bob=404, agent_s2=404, crew=404, **each(STAFF_WRITERS, 200)),
        order_path("/actions/cancel", {"note": "已恢复供电"}),
        effect=order_events("cancel"),
        delta=1,
    ),
    Endpoint(
        "POST /service/orders/{A, dispatched}/notes",
        "POST",
        "/service/orders/{number}/notes",
        table(201, alice=403, bob=404, agent_s2=404, analyst=403),
        order_path("/notes", {"note": "已电话联系"}, dispatch=True),
        effect=order_events("note"),
        delta=1,
    ),
    Endpoint(
        "GET /service/orders/{A, dispatched}/suggestions",
        "GET",
        "/service/orders/{number}/suggestions",
        table(200, **each(CUSTOMERS, 403), agent_s2=404),
        order_path("/suggestions", dispatch=True),
    ),
    Endpoint(
        "POST /service/orders/{A}/merge",
        "POST",
        "/service/orders/{number}/merge",
        table(403, bob=404, agent_s2=404, crew=404, **each(STAFF_WRITERS, 200)),
        merge_pair,
        effect=order_events("merge"),
        delta=1,
    ),
    Endpoint(
        "GET /service/categories",
        "GET",
        "/service/categories",
        table(200),
        fixed("/service/categories?order_type=complaint"),
    ),
    Endpoint(
        "GET /service/teams",
        "GET",
        "/service/teams",
        table(200, **each(CUSTOMERS, 403)),
        fixed("/service/teams"),
    ),
]

# --- Monitoring (issue 28): the KPI catalogue for dashboards' readers ---

DASHBOARD_READERS = ("analyst", "manager", "admin")
KPIS = "/monitoring/kpis?from=2026-03-01&to=2026-03-31"

ENDPOINTS += [
    Endpoint(
        "GET /monitoring/kpis",
        "GET",
        "/monitoring/kpis",
        table(403, **each(DASHBOARD_READERS, 200)),
        fixed(KPIS),
    ),
    Endpoint(
        "GET /monitoring/kpis?org=S2",
        "GET",
        "/monitoring/kpis",
        table(403, **each(DASHBOARD_READERS, 200)),
        fixed(KPIS + "&org=S2"),
    ),
    Endpoint(
        "GET /monitoring/kpis?org={missing}",
        "GET",
        "/monitoring/kpis",
        table(403, **each(DASHBOARD_READERS, 404)),
        fixed(KPIS + "&org=NOPE"),
    ),
]


def _cells() -> list[Any]:
    cells = []
    for endpoint in ENDPOINTS:
        assert set(endpoint.expect) == set(PERSONAS), endpoint.key
        for persona in PERSONAS:
            status = endpoint.expect[persona]
            cells.append(pytest.param(endpoint, persona, status, id=f"{endpoint.key}|{persona}"))
    return cells


def call(
    client: Client,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    multipart: bool = False,
) -> Any:
    if multipart:
        return client.post(path, body or {})
    data = json.dumps(body) if body is not None else ""
    return client.generic(method, path, data, content_type="application/json")


def assert_cell_body(payload: Any, status: int) -> None:
    """A matrix cell's body: the one 401 body, or a refusal that names the rule that said
    no (a code and a Chinese message) and carries nothing about the record."""
    if status == 401:
        assert payload == ANONYMOUS_BODY
    elif status in (403, 404):
        assert_chinese_error(payload)
        assert set(payload) <= {"code", "message", "field"}, payload


def assert_cell(
    response: Any, status: int, *, effect: Callable[[], int] | None, before: int
) -> None:
    """What the apps' own matrices (billing, planned outages, knowledge base) assert per
    cell: the status, a documented body (`assert_cell_body`), and the write counted by
    `effect` happened once on success and never on a refusal."""
    assert response.status_code == status, response.content.decode()
    assert_cell_body(validate_response(response), status)
    if effect is not None:
        assert effect() - before == (1 if status in SUCCESS else 0)


@pytest.mark.parametrize(("endpoint", "persona", "status"), _cells())
def test_each_persona_gets_the_status_its_role_and_org_scope_allow(
    endpoint: Endpoint,
    persona: str,
    status: int,
    world: World,
    client_for: Callable[[str], Client],
    django_capture_on_commit_callbacks: Any,
    assert_schema: Callable[..., Any],
) -> None:
    path, body = endpoint.prepare(world, persona, django_capture_on_commit_callbacks)
    client = Client() if persona == "anonymous" else client_for(persona)
    before = endpoint.effect() if endpoint.effect else 0

    with django_capture_on_commit_callbacks(execute=True):
        response = call(client, endpoint.method, path, body, multipart=endpoint.multipart)

    assert response.status_code == status, response.content.decode()
    assert_cell_body(assert_schema(response), status)
    if endpoint.effect is not None:
        expected = endpoint.delta if status in SUCCESS else 0
        assert endpoint.effect() - before == expected


def test_the_matrix_covers_every_documented_endpoint_but_login_and_logout() -> None:
    documented = {
        (method.upper(), path.removeprefix(API))
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    }
    covered = {(endpoint.method, endpoint.route) for endpoint in ENDPOINTS}
    # Billing's endpoints have their own matrix (same personas, same rules).
    from tests.billing.test_api_matrix import billing_routes

    covered |= billing_routes()
    from tests.outages.test_planned_api_matrix import outage_planned_routes

    covered |= outage_planned_routes()
    # The public outage search too (tests/outages/test_search_api.py: every persona reads it).
    from tests.outages.test_search_api import outage_search_routes

    covered |= outage_search_routes()
    # Outages: POST /outages/events has its own matrix (tests/outages/test_events_api.py).
    from tests.outages.test_events_api import event_routes

    covered |= event_routes()
    # Assistant: POST /assistant/messages (tests/assistant/dialogue/test_messages_api.py).
    from tests.assistant.dialogue.test_messages_api import message_routes

    covered |= message_routes()
    # Assistant: the knowledge base (tests/assistant/kb/test_api_matrix.py).
    from tests.assistant.kb.test_api_matrix import kb_routes

    covered |= kb_routes()

    assert documented - covered == {("POST", "/auth/login"), ("POST", "/auth/logout")}


ALL = [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C]


@pytest.mark.parametrize(
    ("persona", "numbers"),
    [
        ("alice", [ACCOUNT_A]),
        ("bob", [ACCOUNT_B]),
        ("agent_s1", [ACCOUNT_A]),
        ("agent_s2", [ACCOUNT_B, ACCOUNT_C]),
        ("clerk_s1", [ACCOUNT_A]),
        ("dispatcher", [ACCOUNT_A]),
        ("crew", [ACCOUNT_A]),
        ("analyst", ALL),
        ("manager", ALL),
        ("admin", ALL),
    ],
)
def test_each_persona_lists_exactly_the_accounts_of_their_bindings_or_scope(
    persona: str,
    numbers: list[str],
    world: World,
    client_for: Callable[[str], Client],
    assert_schema: Callable[..., Any],
) -> None:
    response = client_for(persona).get(f"{API}/accounts")

    assert response.status_code == 200
    page = assert_schema(response)
    assert [item["number"] for item in page["items"]] == numbers
    assert page["count"] == len(numbers)


# --- Scope stories: a 404 must not tell a foreign record from a missing one ---

FOREIGN_DETAILS = [
    ACCOUNT_B,
    BOB_MOBILE,
    "139****0002",
    "李四",
    "李*",
    "棠下",
    ACCOUNT_A,
    ALICE_MOBILE,
    ALICE_ID_NUMBER,
    "张三丰",
    "张*丰",
]


def test_alice_asking_for_bobs_account_gets_a_404_that_carries_nothing_about_it(
    world: World, client_for: Callable[[str], Client], assert_schema: Callable[..., Any]
) -> None:
    response = client_for("alice").get(f"{API}/accounts/{ACCOUNT_B}")

    assert response.status_code == 404
    assert assert_schema(response) == {
        "code": "customers.account.not_found",
        "message": "户号不存在",
    }
    text = visible_text(response.content)
    for detail in FOREIGN_DETAILS:
        assert detail not in text


@pytest.mark.parametrize(
    ("persona", "foreign"),
    [("alice", ACCOUNT_B), ("bob", ACCOUNT_A), ("agent_s1", ACCOUNT_B), ("agent_s2", ACCOUNT_A)],
)
@pytest.mark.parametrize("missing", ["3100000000999", "9999999999999", "12345"])
def test_a_missing_account_number_gets_the_same_404_as_one_outside_your_scope(
    persona: str,
    foreign: str,
    missing: str,
    world: World,
    client_for: Callable[[str], Client],
    assert_schema: Callable[..., Any],
) -> None:
    client = client_for(persona)

    foreign_response = client.get(f"{API}/accounts/{foreign}")
    missing_response = client.get(f"{API}/accounts/{missing}")

    assert foreign_response.status_code == missing_response.status_code == 404
    assert assert_schema(foreign_response) == assert_schema(missing_response)
    assert foreign_response.content == missing_response.content


def test_a_missing_customer_gets_the_same_404_as_one_outside_the_agents_scope(
    world: World, client_for: Callable[[str], Client], assert_schema: Callable[..., Any]
) -> None:
    client = client_for("agent_s2")

    foreign = client.get(f"{API}/customers/{world.customer_alice.pk}")
    missing = client.get(f"{API}/customers/987654")

    assert foreign.status_code == missing.status_code == 404
    assert assert_schema(foreign) == assert_schema(missing)
    assert assert_schema(foreign)["code"] == "customers.customer.not_found"


def test_staff_get_a_customer_only_403_on_the_binding_endpoints(
    world: World, client_for: Callable[[str], Client], assert_schema: Callable[..., Any]
) -> None:
    response = call(
        client_for("agent_s1"),
        "POST",
        f"{API}/accounts/bindings/request",
        {"account_number": ACCOUNT_C},
    )

    assert response.status_code == 403
    assert assert_schema(response)["code"] == "core.customer_only"
    assert SimulatedMessage.objects.count() == 0


def test_customers_and_crew_get_a_permission_denied_403_on_the_customer_list(
    world: World, client_for: Callable[[str], Client], assert_schema: Callable[..., Any]
) -> None:
    for persona in ("alice", "crew", "analyst"):
        response = client_for(persona).get(f"{API}/customers")

        assert response.status_code == 403, persona
        body = assert_schema(response)
        assert body["code"] == "core.permission_denied"
        assert_chinese_error(body)


# --- CSRF: a session cookie alone must not be enough for an unsafe request ---


def _session_client_with_csrf(username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    response = call(
        client, "POST", f"{API}/auth/login", {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    return client


def test_a_session_post_without_the_csrf_token_is_refused_and_creates_nothing(
    world: World, assert_schema: Callable[..., Any]
) -> None:
    client = _session_client_with_csrf("agent_s1")

    response = call(client, "POST", f"{API}/auth/tokens", {"name": "no csrf"})

    assert response.status_code == 403
    assert assert_schema(response)["code"] == "core.auth.csrf_failed"
    assert not ApiToken.objects.exists()


def test_a_session_post_with_the_csrf_token_from_login_is_accepted(
    world: World, assert_schema: Callable[..., Any]
) -> None:
    client = _session_client_with_csrf("agent_s1")
    csrf = client.cookies["csrftoken"].value

    response = client.post(
        f"{API}/auth/tokens",
        {"name": "with csrf"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    assert response.status_code == 201, response.content
    assert assert_schema(response)["name"] == "with csrf"
    assert ApiToken.objects.filter(user=world.users["agent_s1"], name="with csrf").exists()


def test_a_bearer_token_post_needs_no_csrf_token(
    world: World, assert_schema: Callable[..., Any]
) -> None:
    agent = world.users["agent_s1"]
    _, plaintext = api_token_issue(
        actor=agent, user=agent, name="integration", scopes=["read", "write"]
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {plaintext}"})
    path = f"{API}/customers/{world.customer_alice.pk}/interactions"

    response = call(client, "POST", path, BODIES["/interactions"])

    assert response.status_code == 201, response.content
    assert assert_schema(response)["summary"] == "来电咨询停电原因"
    assert Interaction.objects.filter(customer=world.customer_alice).count() == 1


def test_an_anonymous_post_from_a_real_client_gets_the_json_401(
    world: World, assert_schema: Callable[..., Any]
) -> None:
    response = call(Client(enforce_csrf_checks=True), "POST", f"{API}/auth/tokens", {"name": "x"})

    assert response.status_code == 401, response.content
    assert assert_schema(response) == ANONYMOUS_BODY
