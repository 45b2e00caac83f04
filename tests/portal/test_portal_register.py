"""Registration proves the mobile by an SMS code, takes the password twice and the user
agreement and privacy policy (recorded as consent), and is throttled (issue 23).

Attacker stories: registering someone else's number (the code goes to that phone, never
to the page), guessing the code, flooding a phone or texting many numbers from one
address, taking over a number that is already registered.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings

from gridcare.core.models import AuditLog, User
from gridcare.customers.choices import AGREEMENT_VERSION, Agreement
from gridcare.customers.models import ConsentRecord, SignupChallenge, SimulatedMessage
from gridcare.testing.personas import ALICE_MOBILE, PASSWORD, World

NEW_MOBILE = "13600000007"
CODE_RE = re.compile(r"验证码 (\d{6})，")


def ask_code(client: Client, mobile: str = NEW_MOBILE, capture: Any = None) -> Any:
    if capture is None:
        return client.post("/portal/register/", {"step": "request", "mobile": mobile})
    with capture(execute=True):
        return client.post("/portal/register/", {"step": "request", "mobile": mobile})


def texted_code(mobile: str = NEW_MOBILE) -> str:
    message = SimulatedMessage.objects.filter(mobile=mobile).first()
    assert message is not None
    match = CODE_RE.search(message.text)
    assert match is not None, message.text
    return match.group(1)


def register(client: Client, code: str, **overrides: Any) -> Any:
    form = {
        "step": "register",
        "mobile": NEW_MOBILE,
        "code": code,
        "display_name": "赵六",
        "password": "zhao-liu-2026",
        "password_again": "zhao-liu-2026",
        "accept_agreement": "on",
    } | overrides
    return client.post("/portal/register/", {k: v for k, v in form.items() if v is not None})


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_register_with_the_texted_code_logs_in_and_records_the_agreement(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    sent = ask_code(client, "+86 136 0000 0007", django_capture_on_commit_callbacks)
    assert sent.status_code == 200
    body = sent.content.decode()
    code = texted_code()
    assert "136****0007" in body
    assert code not in body
    assert "/portal/agreement/" in body
    assert "/portal/privacy/" in body

    response = register(client, code)

    assert response.status_code == 302
    assert response["Location"] == "/portal/accounts/bind/"
    user = User.objects.get(username=NEW_MOBILE)
    assert user.is_customer
    assert client.get("/portal/accounts/").status_code == 200
    consent = ConsentRecord.objects.get(user=user)
    assert (consent.purpose, consent.granted) == (Agreement.TERMS_AND_PRIVACY, True)
    assert (consent.notice_version, consent.customer) == (AGREEMENT_VERSION, None)
    assert AuditLog.objects.filter(action="customers.signup.agreement", actor=user).exists()


def test_a_register_post_without_a_code_creates_nothing(world: World) -> None:
    # What the old form accepted: mobile and password, no proof of the number.
    response = Client().post(
        "/portal/register/",
        {"step": "register", "mobile": NEW_MOBILE, "password": "zhao-liu-2026"},
    )
    assert response.status_code == 400
    assert not User.objects.filter(username=NEW_MOBILE).exists()


def test_someone_elses_number_cannot_be_registered_without_its_code(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    ask_code(client, capture=django_capture_on_commit_callbacks)
    code = texted_code()

    response = register(client, _wrong(code))

    assert response.status_code == 400
    assert "验证码不正确" in response.content.decode()
    assert not User.objects.filter(username=NEW_MOBILE).exists()


@override_settings(VERIFICATION_CODE_MAX_ATTEMPTS=3)
def test_the_code_cannot_be_guessed_tries_are_limited(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    ask_code(client, capture=django_capture_on_commit_callbacks)
    code = texted_code()
    for _ in range(3):
        assert register(client, _wrong(code)).status_code == 400

    # Even the right code is refused once the tries are used up.
    response = register(client, code)

    assert response.status_code == 400
    assert "验证码错误次数过多" in response.content.decode()
    assert not User.objects.filter(username=NEW_MOBILE).exists()
    assert SignupChallenge.objects.get().attempts == 3


def test_a_registered_number_cannot_be_taken_over(world: World) -> None:
    asked = ask_code(Client(), ALICE_MOBILE)
    assert asked.status_code == 400
    assert "该手机号已注册" in asked.content.decode()
    assert not SimulatedMessage.objects.exists()

    # Nor by posting the second step directly.
    response = register(Client(), "123456", mobile=ALICE_MOBILE, password="hijack-2026!")
    assert response.status_code == 400
    alice = User.objects.get(username=ALICE_MOBILE)
    assert alice.check_password(PASSWORD)


def test_one_code_a_minute_per_number(world: World) -> None:
    assert ask_code(Client()).status_code == 200
    again = ask_code(Client(REMOTE_ADDR="10.0.0.9"))
    assert again.status_code == 429
    assert "验证码发送过于频繁" in again.content.decode()
    assert SignupChallenge.objects.count() == 1


@override_settings(VERIFICATION_CODES_PER_HOUR_PER_SOURCE=100)
def test_one_address_cannot_text_many_numbers(world: World) -> None:
    client = Client()
    for n in range(3):
        assert ask_code(client, f"1360000001{n}").status_code == 200
    refused = ask_code(client, "13600000019")
    assert refused.status_code == 429
    assert SignupChallenge.objects.count() == 3
    # Another address is not held back by this one.
    assert ask_code(Client(REMOTE_ADDR="10.0.0.9"), "13600000019").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password_again": "zhao-liu-2027"}, "两次输入的密码不一致"),
        ({"accept_agreement": None}, "请阅读并同意《用户协议》和《隐私政策》"),
        ({"password": "12345678", "password_again": "12345678"}, "这个密码太常见了"),
    ],
)
def test_register_needs_the_password_twice_and_the_agreement(
    overrides: dict[str, Any], message: str, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    ask_code(client, capture=django_capture_on_commit_callbacks)

    response = register(client, texted_code(), **overrides)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username=NEW_MOBILE).exists()
    # The code was not spent on a refused form: the corrected form goes through.
    assert register(client, texted_code()).status_code == 302


def test_register_refuses_a_malformed_mobile_naming_the_field(world: World) -> None:
    response = ask_code(Client(), "12345")
    assert response.status_code == 400
    assert "手机号格式不正确" in response.content.decode()
    assert not SignupChallenge.objects.exists()


@pytest.mark.parametrize(
    ("path", "language", "heading"),
    [
        ("/portal/agreement/", "zh-hans", "用户协议"),
        ("/portal/privacy/", "zh-hans", "隐私政策"),
        ("/portal/agreement/", "en", "user agreement"),
        ("/portal/privacy/", "en", "privacy policy"),
    ],
)
@pytest.mark.parametrize("persona", ["anonymous", "alice", "agent_s1"])
def test_the_agreement_and_privacy_pages_are_open_to_everyone(
    path: str, language: str, heading: str, persona: str, world: World, client_for: Any
) -> None:
    client = Client() if persona == "anonymous" else client_for(persona)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})

    response = client.get(path)

    assert response.status_code == 200
    body = response.content.decode()
    assert heading in body
    assert AGREEMENT_VERSION in body
