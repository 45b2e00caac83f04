"""/api/v1/auth: session login with lockout, bearer tokens, and how bad input is answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from gridcare.core.models import ApiToken, AuditLog
from gridcare.core.services import api_token_issue
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, PASSWORD, World

from .conftest import assert_chinese_error

API = "/api/v1"
BAD_CREDENTIALS = {"code": "core.auth.invalid_credentials", "message": "账号或密码不正确"}
LOCKED_OUT = {"code": "core.auth.locked_out", "message": "登录失败次数过多，请稍后再试"}
ANONYMOUS_BODY = {"code": "core.auth.required", "message": "请先登录或提供有效的访问令牌"}

Validate = Callable[..., Any]


def login(client: Client, username: str, password: str) -> Any:
    return client.post(
        f"{API}/auth/login",
        {"username": username, "password": password},
        content_type="application/json",
    )


def bearer(token: str, **kwargs: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"}, **kwargs)


# --- Session login ---


def test_login_with_the_right_password_starts_a_session_that_me_recognises(
    world: World, assert_schema: Validate
) -> None:
    client = Client()

    response = login(client, "agent_s1", PASSWORD)

    assert response.status_code == 200
    me = assert_schema(response)
    assert me["username"] == "agent_s1"
    assert me["roles"] == ["agent"]
    assert me["org_unit"] == "石牌供电所"
    assert "sessionid" in client.cookies
    assert "csrftoken" in client.cookies
    follow_up = client.get(f"{API}/auth/me")
    assert follow_up.status_code == 200
    assert assert_schema(follow_up) == me


def test_a_customer_logs_in_with_the_mobile_number(world: World, assert_schema: Validate) -> None:
    response = login(Client(), world.users["alice"].username, PASSWORD)

    assert response.status_code == 200
    assert assert_schema(response)["kind"] == "customer"


def test_logout_ends_the_session(world: World, assert_schema: Validate) -> None:
    client = Client()
    login(client, "agent_s1", PASSWORD)

    response = client.post(f"{API}/auth/logout")

    assert response.status_code == 204
    assert assert_schema(response) is None
    after = client.get(f"{API}/auth/me")
    assert after.status_code == 401
    assert assert_schema(after) == ANONYMOUS_BODY


def test_wrong_password_and_unknown_user_get_the_same_generic_400(
    world: World, assert_schema: Validate
) -> None:
    wrong_password = login(Client(), "agent_s1", "not-the-password")
    unknown_user = login(Client(), "nobody-by-this-name", "not-the-password")

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert assert_schema(wrong_password) == BAD_CREDENTIALS
    assert assert_schema(unknown_user) == BAD_CREDENTIALS
    assert "sessionid" not in wrong_password.cookies


def test_after_the_failure_limit_even_the_right_password_is_locked_out(
    world: World, assert_schema: Validate
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    for _ in range(limit - 1):
        response = login(client, "agent_s1", "wrong")
        assert response.status_code == 401
    # The failure that reaches the limit is already answered with the lockout.
    reaching = login(client, "agent_s1", "wrong")
    assert reaching.status_code == 429
    assert assert_schema(reaching) == LOCKED_OUT

    response = login(client, "agent_s1", PASSWORD)

    assert response.status_code == 429
    assert assert_schema(response) == LOCKED_OUT
    assert client.get(f"{API}/auth/me").status_code == 401
    attempt = AccessAttempt.objects.get(username="agent_s1", ip_address="127.0.0.1")
    assert attempt.failures_since_start >= limit


def test_the_lockout_is_per_username_and_ip(world: World, assert_schema: Validate) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "agent_s1", "wrong")
    assert login(Client(), "agent_s1", PASSWORD).status_code == 429

    other_user_same_ip = login(Client(), "agent_s2", PASSWORD)
    same_user_other_ip = login(Client(REMOTE_ADDR="10.20.30.40"), "agent_s1", PASSWORD)

    assert other_user_same_ip.status_code == 200
    assert assert_schema(other_user_same_ip)["username"] == "agent_s2"
    assert same_user_other_ip.status_code == 200
    assert assert_schema(same_user_other_ip)["username"] == "agent_s1"


def test_failures_below_the_limit_are_forgotten_after_a_successful_login(
    world: World,
) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "agent_s1", "wrong")
    assert login(client, "agent_s1", PASSWORD).status_code == 200

    responses = [
        login(Client(), "agent_s1", "wrong") for _ in range(settings.AXES_FAILURE_LIMIT - 1)
    ]

    assert [r.status_code for r in responses] == [401] * (settings.AXES_FAILURE_LIMIT - 1)


def test_a_deactivated_user_cannot_log_in_and_loses_an_open_session(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    open_session = client_for("agent_s1")
    agent = world.users["agent_s1"]
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    login_attempt = login(Client(), "agent_s1", PASSWORD)
    session_call = open_session.get(f"{API}/accounts")

    assert login_attempt.status_code == 401
    assert assert_schema(login_attempt) == BAD_CREDENTIALS
    assert session_call.status_code == 401
    assert assert_schema(session_call) == ANONYMOUS_BODY


# --- Bearer tokens ---


def test_staff_get_a_new_token_once_and_only_its_digest_is_stored(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    client = client_for("agent_s1")

    response = client.post(
        f"{API}/auth/tokens",
        {"name": "工单系统", "expires_in_days": 30},
        content_type="application/json",
    )

    assert response.status_code == 201
    created = assert_schema(response)
    plaintext = created["token"]
    assert plaintext.startswith("gc_")
    assert created["prefix"] == plaintext[:10]
    stored = ApiToken.objects.get(pk=created["id"])
    assert stored.user == world.users["agent_s1"]
    assert stored.name == "工单系统"
    assert plaintext not in (stored.digest, stored.prefix)
    assert stored.expires_at is not None
    assert dt.timedelta(days=29) < stored.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert AuditLog.objects.filter(
        action="core.api_token.issue", object_id=str(stored.pk), actor=world.users["agent_s1"]
    ).exists()
    listed = client.get(f"{API}/auth/tokens")
    assert [item["id"] for item in assert_schema(listed)] == [stored.pk]
    assert plaintext.encode() not in listed.content
    assert all("token" not in item for item in listed.json())


def test_a_bearer_token_authenticates_the_account_list_within_its_owners_scope(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    created = client_for("agent_s1").post(
        f"{API}/auth/tokens", {"name": "integration"}, content_type="application/json"
    )
    plaintext = created.json()["token"]

    response = bearer(plaintext).get(f"{API}/accounts")

    assert response.status_code == 200
    assert [item["number"] for item in assert_schema(response)["items"]] == [ACCOUNT_A]
    assert ApiToken.objects.get(pk=created.json()["id"]).last_used_at is not None
    out_of_scope = bearer(plaintext).get(f"{API}/accounts/{ACCOUNT_B}")
    assert out_of_scope.status_code == 404


def test_a_revoked_token_is_refused_with_401(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    client = client_for("agent_s1")
    created = client.post(
        f"{API}/auth/tokens", {"name": "short-lived"}, content_type="application/json"
    ).json()
    assert bearer(created["token"]).get(f"{API}/accounts").status_code == 200

    revoked = client.delete(f"{API}/auth/tokens/{created['id']}")

    assert revoked.status_code == 204
    assert assert_schema(revoked) is None
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is not None
    assert AuditLog.objects.filter(
        action="core.api_token.revoke", object_id=str(created["id"])
    ).exists()
    response = bearer(created["token"]).get(f"{API}/accounts")
    assert response.status_code == 401
    assert assert_schema(response) == ANONYMOUS_BODY
    assert assert_schema(client.get(f"{API}/auth/tokens")) == []


def test_revoking_a_token_twice_is_a_404(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    agent = world.users["agent_s1"]
    token, _ = api_token_issue(actor=agent, user=agent, name="once")
    client = client_for("agent_s1")
    assert client.delete(f"{API}/auth/tokens/{token.pk}").status_code == 204

    again = client.delete(f"{API}/auth/tokens/{token.pk}")

    assert again.status_code == 404
    assert assert_schema(again)["code"] == "core.api_token.not_found"


def test_an_expired_token_is_refused_with_401(world: World, assert_schema: Validate) -> None:
    agent = world.users["agent_s1"]
    _, plaintext = api_token_issue(
        actor=agent,
        user=agent,
        name="expired",
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )

    response = bearer(plaintext).get(f"{API}/accounts")

    assert response.status_code == 401
    assert assert_schema(response) == ANONYMOUS_BODY


def test_a_token_of_a_deactivated_user_is_refused_with_401(
    world: World, assert_schema: Validate
) -> None:
    agent = world.users["agent_s1"]
    _, plaintext = api_token_issue(actor=agent, user=agent, name="leaver")
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    response = bearer(plaintext).get(f"{API}/accounts")

    assert response.status_code == 401
    assert assert_schema(response) == ANONYMOUS_BODY


@pytest.mark.parametrize(
    "header",
    ["Bearer gc_made-up-token", "Bearer ", "Token gc_whatever", "Basic YWxpY2U6c2VjcmV0"],
)
def test_a_made_up_or_malformed_authorization_header_is_refused_with_401(
    header: str, world: World, assert_schema: Validate
) -> None:
    response = Client(headers={"Authorization": header}).get(f"{API}/accounts")

    assert response.status_code == 401
    assert assert_schema(response) == ANONYMOUS_BODY


def test_a_customer_cannot_create_a_token(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("alice").post(
        f"{API}/auth/tokens", {"name": "mine"}, content_type="application/json"
    )

    assert response.status_code == 403
    body = assert_schema(response)
    assert body["code"] == "core.api_token.staff_only"
    assert_chinese_error(body)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", [0, -1, 366])
def test_an_expiry_outside_1_to_the_maximum_days_is_refused_naming_the_field(
    days: int, world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("admin").post(
        f"{API}/auth/tokens",
        {"name": "bad expiry", "expires_in_days": days},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("core.api_token.bad_expiry", "expires_in_days")
    assert_chinese_error(body)
    assert not ApiToken.objects.exists()


def test_a_blank_token_name_is_refused_naming_the_field(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("admin").post(
        f"{API}/auth/tokens", {"name": "   "}, content_type="application/json"
    )

    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("core.api_token.name_required", "name")
    assert not ApiToken.objects.exists()


def test_one_user_cannot_revoke_another_users_token(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    admin = world.users["admin"]
    token, _ = api_token_issue(actor=admin, user=admin, name="admin's")

    response = client_for("agent_s1").delete(f"{API}/auth/tokens/{token.pk}")

    assert response.status_code == 404
    assert assert_schema(response)["code"] == "core.api_token.not_found"
    token.refresh_from_db()
    assert token.revoked_at is None


# --- Request validation: 422 with a stable code, a Chinese message and the field ---


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "agent_s1"}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"username": ["agent_s1"], "password": PASSWORD}, "username"),
    ],
)
def test_a_login_with_a_missing_or_mistyped_field_gets_422_naming_it(
    body: dict[str, Any], field: str, world: World, assert_schema: Validate
) -> None:
    response = Client().post(f"{API}/auth/login", body, content_type="application/json")

    assert response.status_code == 422
    payload = assert_schema(response)
    assert payload["code"] == "request.invalid"
    assert payload["field"] == field
    assert field in payload["message"]
    assert_chinese_error(payload)


def test_a_token_request_without_a_name_gets_422_naming_it(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("admin").post(f"{API}/auth/tokens", {}, content_type="application/json")

    assert response.status_code == 422
    payload = assert_schema(response)
    assert (payload["code"], payload["field"]) == ("request.invalid", "name")
    assert payload["message"] == "名称（name）不正确或缺失"
    assert not ApiToken.objects.exists()


def test_a_non_numeric_expiry_gets_422_naming_it(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("admin").post(
        f"{API}/auth/tokens",
        {"name": "x", "expires_in_days": "soon"},
        content_type="application/json",
    )

    assert response.status_code == 422
    payload = assert_schema(response)
    assert (payload["code"], payload["field"]) == ("request.invalid", "expires_in_days")
    assert_chinese_error(payload)


def test_a_body_that_is_not_json_gets_422_request_invalid_in_chinese(
    world: World, assert_schema: Validate
) -> None:
    response = Client().post(
        f"{API}/auth/login", '{"username": "agent_s1", ', content_type="application/json"
    )

    assert response.status_code == 422, response.content
    payload = assert_schema(response)
    assert payload["code"] == "request.invalid"
    assert_chinese_error(payload)
