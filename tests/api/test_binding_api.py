"""/api/v1/accounts/bindings: a customer proves control of an account's registered mobile.

Carol is a new portal login for 棠下五金厂, holder of account C (registered mobile
13700000003), which no login has bound yet.

The code is texted in `transaction.on_commit`. A test-client request runs inside the
test's transaction (pytest-django's `db`), so nothing is committed and the text is sent
only when the request is wrapped in `django_capture_on_commit_callbacks(execute=True)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from gridcare.core.models import AuditLog, User
from gridcare.core.services import customer_user_register
from gridcare.customers.models import AccountBinding, BindingChallenge, SimulatedMessage
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_C, PASSWORD, World

from .conftest import assert_chinese_error, visible_text

API = "/api/v1"
CAROL_MOBILE = "13700000003"
CODE_RE = re.compile(r"验证码 (\d{6})")
Validate = Callable[..., Any]


@pytest.fixture
def carol(world: World) -> User:
    return customer_user_register(mobile=CAROL_MOBILE, password=PASSWORD, display_name="陈老板")


@pytest.fixture
def carol_client(carol: User) -> Client:
    client = Client()
    client.force_login(carol, backend="django.contrib.auth.backends.ModelBackend")
    return client


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, body, content_type="application/json")


@pytest.fixture
def request_code(django_capture_on_commit_callbacks: Any) -> Callable[[Client, str], str]:
    """Ask for a code through the API and return the one texted to the registered mobile."""

    def ask(client: Client, number: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, "/accounts/bindings/request", {"account_number": number})
        assert response.status_code == 200, response.content
        message = SimulatedMessage.objects.filter(mobile=CAROL_MOBILE).first()
        assert message is not None
        match = CODE_RE.search(message.text)
        assert match is not None, message.text
        return match.group(1)

    return ask


def account_numbers(client: Client) -> list[str]:
    response = client.get(f"{API}/accounts")
    assert response.status_code == 200
    return [item["number"] for item in response.json()["items"]]


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- Requesting a code ---


def test_a_code_request_texts_the_registered_mobile_and_answers_it_masked(
    carol: User,
    carol_client: Client,
    django_capture_on_commit_callbacks: Any,
    assert_schema: Validate,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(carol_client, "/accounts/bindings/request", {"account_number": ACCOUNT_C})

    assert response.status_code == 200
    body = assert_schema(response)
    assert body["sent_to"] == "137****0003"
    assert CAROL_MOBILE not in visible_text(response.content)
    assert len(callbacks) == 1
    [message] = SimulatedMessage.objects.all()
    assert message.mobile == CAROL_MOBILE
    assert ACCOUNT_C in message.text
    assert CODE_RE.search(message.text)
    challenge = BindingChallenge.objects.get(user=carol)
    assert challenge.account.number == ACCOUNT_C
    assert CODE_RE.search(message.text).group(1) not in challenge.code_digest  # type: ignore[union-attr]
    assert AuditLog.objects.filter(
        action="customers.binding.request", actor=carol, data={"mobile": "137****0003"}
    ).exists()


def test_the_code_is_texted_only_when_the_request_commits(
    carol_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(carol_client, "/accounts/bindings/request", {"account_number": ACCOUNT_C})

    assert response.status_code == 200
    assert len(callbacks) == 1
    assert not SimulatedMessage.objects.exists()


def test_a_second_code_within_a_minute_is_refused_with_429(
    carol_client: Client, request_code: Callable[[Client, str], str], assert_schema: Validate
) -> None:
    request_code(carol_client, ACCOUNT_C)

    again = post(carol_client, "/accounts/bindings/request", {"account_number": ACCOUNT_C})

    assert again.status_code == 429
    assert assert_schema(again)["code"] == "customers.binding.too_frequent"
    assert SimulatedMessage.objects.count() == 1


def test_requesting_a_code_for_an_account_already_bound_is_a_400(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = post(
        client_for("alice"), "/accounts/bindings/request", {"account_number": ACCOUNT_A}
    )

    assert response.status_code == 400
    assert assert_schema(response)["code"] == "customers.binding.already_bound"
    assert not SimulatedMessage.objects.exists()


@pytest.mark.parametrize("number", ["12345", "31000000000011", "31000000000a1", ""])
def test_a_malformed_account_number_is_a_400_naming_the_field(
    number: str, carol_client: Client, assert_schema: Validate
) -> None:
    response = post(carol_client, "/accounts/bindings/request", {"account_number": number})

    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("customers.account.number_invalid", "account_number")
    assert_chinese_error(body)
    assert not BindingChallenge.objects.exists()


def test_an_unknown_account_number_is_a_404_naming_the_field(
    carol_client: Client, assert_schema: Validate
) -> None:
    response = post(carol_client, "/accounts/bindings/request", {"account_number": "3100000000999"})

    assert response.status_code == 404
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("customers.account.not_found", "account_number")
    assert not BindingChallenge.objects.exists()


def test_a_request_without_the_account_number_is_a_422_naming_it(
    carol_client: Client, assert_schema: Validate
) -> None:
    response = post(carol_client, "/accounts/bindings/request", {})

    assert response.status_code == 422
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("request.invalid", "account_number")
    assert body["message"] == "户号（account_number）不正确或缺失"


# --- Confirming ---


def test_the_right_code_binds_the_account_and_it_appears_in_the_list(
    carol: User,
    carol_client: Client,
    request_code: Callable[[Client, str], str],
    assert_schema: Validate,
) -> None:
    assert account_numbers(carol_client) == []
    code = request_code(carol_client, ACCOUNT_C)

    response = post(
        carol_client, "/accounts/bindings/confirm", {"account_number": ACCOUNT_C, "code": code}
    )

    assert response.status_code == 201
    account = assert_schema(response)
    assert account["number"] == ACCOUNT_C
    assert account["registered_mobile_masked"] == "137****0003"
    assert account_numbers(carol_client) == [ACCOUNT_C]
    binding = AccountBinding.objects.get(user=carol, revoked_at__isnull=True)
    assert binding.account.number == ACCOUNT_C
    assert BindingChallenge.objects.get(user=carol).consumed_at is not None
    assert AuditLog.objects.filter(action="customers.binding.confirm", actor=carol).exists()
    detail = carol_client.get(f"{API}/accounts/{ACCOUNT_C}")
    assert detail.status_code == 200
    assert assert_schema(detail)["number"] == ACCOUNT_C


def test_a_wrong_code_is_a_400_on_the_code_field_and_counts_as_a_try(
    carol: User,
    carol_client: Client,
    request_code: Callable[[Client, str], str],
    assert_schema: Validate,
) -> None:
    code = request_code(carol_client, ACCOUNT_C)

    response = post(
        carol_client,
        "/accounts/bindings/confirm",
        {"account_number": ACCOUNT_C, "code": other_code(code)},
    )

    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("customers.binding.wrong_code", "code")
    assert_chinese_error(body)
    assert BindingChallenge.objects.get(user=carol).attempts == 1
    assert not AccountBinding.objects.filter(user=carol).exists()
    assert account_numbers(carol_client) == []


def test_after_too_many_wrong_codes_even_the_right_one_is_refused(
    carol: User,
    carol_client: Client,
    request_code: Callable[[Client, str], str],
    assert_schema: Validate,
) -> None:
    code = request_code(carol_client, ACCOUNT_C)
    wrong = {"account_number": ACCOUNT_C, "code": other_code(code)}
    for _ in range(settings.VERIFICATION_CODE_MAX_ATTEMPTS):
        assert post(carol_client, "/accounts/bindings/confirm", wrong).status_code == 400

    response = post(
        carol_client, "/accounts/bindings/confirm", {"account_number": ACCOUNT_C, "code": code}
    )

    assert response.status_code == 429
    assert assert_schema(response)["code"] == "customers.binding.too_many_attempts"
    assert not AccountBinding.objects.filter(user=carol).exists()


def test_confirming_without_asking_for_a_code_is_a_400_on_the_code_field(
    carol_client: Client, assert_schema: Validate
) -> None:
    response = post(
        carol_client, "/accounts/bindings/confirm", {"account_number": ACCOUNT_C, "code": "123456"}
    )

    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("customers.binding.no_code", "code")


def test_a_code_binds_only_once_even_after_unbinding(
    carol: User,
    carol_client: Client,
    request_code: Callable[[Client, str], str],
    assert_schema: Validate,
) -> None:
    code = request_code(carol_client, ACCOUNT_C)
    confirm = {"account_number": ACCOUNT_C, "code": code}
    assert post(carol_client, "/accounts/bindings/confirm", confirm).status_code == 201
    assert carol_client.delete(f"{API}/accounts/bindings/{ACCOUNT_C}").status_code == 204

    again = post(carol_client, "/accounts/bindings/confirm", confirm)

    assert again.status_code == 400
    assert assert_schema(again)["code"] == "customers.binding.no_code"
    assert account_numbers(carol_client) == []


def test_someone_elses_code_does_not_bind_for_you(
    world: World,
    carol_client: Client,
    client_for: Callable[[str], Client],
    request_code: Callable[[Client, str], str],
    assert_schema: Validate,
) -> None:
    code = request_code(carol_client, ACCOUNT_C)

    response = post(
        client_for("bob"), "/accounts/bindings/confirm", {"account_number": ACCOUNT_C, "code": code}
    )

    assert response.status_code == 400
    assert assert_schema(response)["code"] == "customers.binding.no_code"
    assert not AccountBinding.objects.filter(
        user=world.users["bob"], account=world.account_c
    ).exists()


# --- Unbinding ---


def test_unbinding_removes_the_account_from_the_list_and_the_detail(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    alice = client_for("alice")
    assert account_numbers(alice) == [ACCOUNT_A]

    response = alice.delete(f"{API}/accounts/bindings/{ACCOUNT_A}")

    assert response.status_code == 204
    assert assert_schema(response) is None
    assert account_numbers(alice) == []
    gone = alice.get(f"{API}/accounts/{ACCOUNT_A}")
    assert gone.status_code == 404
    assert assert_schema(gone)["code"] == "customers.account.not_found"
    binding = AccountBinding.objects.get(user=world.users["alice"], account=world.account_a)
    assert binding.revoked_at is not None
    assert AuditLog.objects.filter(
        action="customers.binding.revoke", actor=world.users["alice"]
    ).exists()


def test_unbinding_an_account_you_never_bound_is_a_404(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("bob").delete(f"{API}/accounts/bindings/{ACCOUNT_A}")

    assert response.status_code == 404
    assert assert_schema(response)["code"] == "customers.binding.not_found"
    assert AccountBinding.objects.get(account=world.account_a).revoked_at is None


def test_unbinding_a_malformed_account_number_is_a_400(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("alice").delete(f"{API}/accounts/bindings/12345")

    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("customers.account.number_invalid", "number")
