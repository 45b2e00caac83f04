"""Bearer tokens held to their scopes and lifetime (issue 23): only a session mints them,
admins list and revoke anyone's, and a wrong Authorization header is never ignored.

Attacker stories: a leaked read token tries to write, to mint itself a broader token and
to reach the token administration; an agent asks for the admin scope; a session client
sends a made-up bearer beside its cookie.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from gridcare.core.errors import DomainError
from gridcare.core.models import ApiToken, AuditLog
from gridcare.core.services import api_token_issue
from gridcare.customers.models import Interaction
from gridcare.testing.personas import World

from .conftest import assert_chinese_error, openapi_document

API = "/api/v1"
ANONYMOUS_BODY = {"code": "core.auth.required", "message": "请先登录或提供有效的访问令牌"}
HOTLINE = {
    "channel": "hotline",
    "summary": "来电咨询停电原因",
    "data": {"recording_ref": "rec-1", "duration_seconds": 95},
}

Validate = Callable[..., Any]


def bearer(token: str, **kwargs: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"}, **kwargs)


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", body, content_type="application/json")


def issue(world: World, persona: str, *scopes: str) -> tuple[ApiToken, str]:
    user = world.users[persona]
    return api_token_issue(actor=user, user=user, name=f"{persona}'s", scopes=scopes or ["read"])


# --- Only a session mints tokens ---


@pytest.mark.parametrize("scopes", [["read"], ["read", "write"], ["read", "write", "admin"]])
def test_a_bearer_token_cannot_mint_a_token_whatever_its_scopes(
    scopes: list[str], world: World, assert_schema: Validate
) -> None:
    _, plaintext = issue(world, "admin", *scopes)

    response = post(bearer(plaintext), "/auth/tokens", {"name": "child", "scopes": ["write"]})

    assert response.status_code == 403
    body = assert_schema(response)
    assert body["code"] in {"core.api_token.session_required", "core.api_token.scope"}
    assert_chinese_error(body)
    assert ApiToken.objects.count() == 1


def test_a_write_token_minting_a_token_is_refused_as_session_only(
    world: World, assert_schema: Validate
) -> None:
    _, plaintext = issue(world, "agent_s1", "read", "write")

    response = post(bearer(plaintext), "/auth/tokens", {"name": "child"})

    assert response.status_code == 403
    assert assert_schema(response)["code"] == "core.api_token.session_required"
    assert not ApiToken.objects.filter(name="child").exists()


# --- Scopes ---


def test_a_new_token_is_read_only_unless_asked_and_can_not_write(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    created = assert_schema(post(client_for("agent_s1"), "/auth/tokens", {"name": "crm"}))
    assert created["scopes"] == ["read"]
    token = bearer(created["token"])
    path = f"/customers/{world.customer_alice.pk}/interactions"

    assert token.get(f"{API}/accounts").status_code == 200
    response = post(token, path, HOTLINE)

    assert response.status_code == 403
    body = assert_schema(response)
    assert body["code"] == "core.api_token.scope"
    assert_chinese_error(body)
    assert not Interaction.objects.exists()


def test_a_write_token_writes_within_its_users_permissions(
    world: World, assert_schema: Validate
) -> None:
    _, plaintext = issue(world, "agent_s1", "read", "write")
    path = f"/customers/{world.customer_alice.pk}/interactions"

    assert post(bearer(plaintext), path, HOTLINE).status_code == 201
    # The scope never adds a permission the user lacks (agents cannot create customers).
    new = {"kind": "person", "name": "钱七", "mobile": "13500000008"}
    refused = post(bearer(plaintext), "/customers", new)
    assert refused.status_code == 403
    assert assert_schema(refused)["code"] == "core.permission_denied"


def test_a_write_only_token_cannot_read(world: World, assert_schema: Validate) -> None:
    _, plaintext = issue(world, "agent_s1", "write")

    response = bearer(plaintext).get(f"{API}/accounts")

    assert response.status_code == 403
    assert assert_schema(response)["code"] == "core.api_token.scope"


def test_an_agent_cannot_give_a_token_the_admin_scope(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = post(
        client_for("agent_s1"), "/auth/tokens", {"name": "sneaky", "scopes": ["read", "admin"]}
    )

    assert response.status_code == 403
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("core.api_token.scope_forbidden", "scopes")
    assert_chinese_error(body)
    assert not ApiToken.objects.exists()


def test_an_unknown_scope_is_refused_naming_the_field(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = post(client_for("admin"), "/auth/tokens", {"name": "x", "scopes": ["root"]})

    assert response.status_code == 422
    assert assert_schema(response)["field"] == "scopes"
    assert not ApiToken.objects.exists()


# --- Lifetime ---


def test_a_token_without_an_expiry_lives_the_maximum_and_then_stops(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    created = assert_schema(post(client_for("agent_s1"), "/auth/tokens", {"name": "crm"}))

    expires = ApiToken.objects.get(pk=created["id"]).expires_at
    assert dt.timedelta(days=364) < expires - timezone.now() <= dt.timedelta(days=365)
    ApiToken.objects.filter(pk=created["id"]).update(expires_at=timezone.now())
    response = bearer(created["token"]).get(f"{API}/accounts")
    assert response.status_code == 401
    assert assert_schema(response) == ANONYMOUS_BODY


@override_settings(API_TOKEN_MAX_DAYS=30)
def test_the_service_refuses_an_expiry_beyond_the_configured_maximum(world: World) -> None:
    agent = world.users["agent_s1"]
    with pytest.raises(DomainError) as excinfo:
        api_token_issue(
            actor=agent,
            user=agent,
            name="crm",
            expires_at=timezone.now() + dt.timedelta(days=31),
        )
    assert (excinfo.value.code, excinfo.value.field) == (
        "core.api_token.bad_expiry",
        "expires_in_days",
    )
    assert not ApiToken.objects.exists()


def test_a_token_name_over_100_characters_is_refused_and_the_schema_says_so(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = post(client_for("admin"), "/auth/tokens", {"name": "长" * 5000})

    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("core.api_token.name_too_long", "name")
    assert not ApiToken.objects.exists()
    schema = openapi_document()["components"]["schemas"]["TokenCreateIn"]["properties"]
    assert (schema["name"]["minLength"], schema["name"]["maxLength"]) == (1, 100)
    scope_items = schema["scopes"]["items"]
    scope_enum = (
        openapi_document()["components"]["schemas"][scope_items["$ref"].rsplit("/", 1)[-1]]["enum"]
        if "$ref" in scope_items
        else scope_items["enum"]
    )
    assert sorted(scope_enum) == ["admin", "read", "write"]
    assert schema["expires_in_days"]["anyOf"][0]["maximum"] == 365


# --- Administration: list and revoke anyone's, audited ---


def test_an_admin_lists_every_users_live_tokens(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    mine, _ = issue(world, "agent_s1")
    theirs, _ = issue(world, "clerk_s1")
    revoked, _ = issue(world, "crew")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

    response = client_for("admin").get(f"{API}/auth/tokens/all")

    assert response.status_code == 200
    page = assert_schema(response)
    assert {(item["id"], item["user"]) for item in page["items"]} == {
        (mine.pk, "agent_s1"),
        (theirs.pk, "clerk_s1"),
    }
    assert client_for("agent_s1").get(f"{API}/auth/tokens/all").status_code == 403


def test_an_admin_revokes_an_agents_token_and_the_audit_log_says_whose(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    token, plaintext = issue(world, "agent_s1")
    assert bearer(plaintext).get(f"{API}/accounts").status_code == 200

    response = client_for("admin").delete(f"{API}/auth/tokens/{token.pk}")

    assert response.status_code == 204
    assert bearer(plaintext).get(f"{API}/accounts").status_code == 401
    entry = AuditLog.objects.get(action="core.api_token.revoke", object_id=str(token.pk))
    assert entry.actor == world.users["admin"]
    assert entry.data == {"of": "agent_s1"}


def test_an_admins_token_administers_tokens_only_with_the_admin_scope(
    world: World, assert_schema: Validate
) -> None:
    victim, victim_plaintext = issue(world, "agent_s1")
    _, narrow = issue(world, "admin", "read", "write")
    _, broad = issue(world, "admin", "read", "write", "admin")

    assert bearer(narrow).get(f"{API}/auth/tokens/all").status_code == 403
    refused = bearer(narrow).delete(f"{API}/auth/tokens/{victim.pk}")
    assert refused.status_code == 404
    assert bearer(victim_plaintext).get(f"{API}/accounts").status_code == 200

    listed = assert_schema(bearer(broad).get(f"{API}/auth/tokens/all"))
    assert victim.pk in {item["id"] for item in listed["items"]}
    assert bearer(broad).delete(f"{API}/auth/tokens/{victim.pk}").status_code == 204
    assert bearer(victim_plaintext).get(f"{API}/accounts").status_code == 401


# --- A wrong Authorization header is refused, never ignored ---


@pytest.mark.parametrize(
    "header", ["Bearer xxx", "Bearer ", "Token gc_whatever", "Basic YWxpY2U6c2VjcmV0"]
)
def test_a_session_with_a_garbage_authorization_header_is_refused_with_401(
    header: str, world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    client = client_for("agent_s1")
    assert client.get(f"{API}/accounts").status_code == 200

    response = client.get(f"{API}/accounts", headers={"Authorization": header})

    assert response.status_code == 401
    assert assert_schema(response) == ANONYMOUS_BODY
