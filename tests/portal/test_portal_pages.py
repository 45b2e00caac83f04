"""Portal pages: login (with lockout), register, my accounts, account detail, binding."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from gridcare.core.models import User
from gridcare.customers.models import SimulatedMessage
from gridcare.testing.personas import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    ALICE_MOBILE,
    PASSWORD,
    World,
)


@pytest.mark.parametrize("path", ["/portal/accounts/", "/portal/accounts/bind/"])
def test_anonymous_visitor_is_sent_to_the_customer_login(world: World, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/login/?next={path}"


def test_staff_opening_the_portal_lands_on_the_console(world: World, client_for) -> None:
    response = client_for("agent_s1").get("/portal/accounts/")
    assert response.status_code == 302
    assert response["Location"] == "/console/"


def test_customer_logs_in_with_mobile_and_lands_on_the_home_screen(world: World) -> None:
    client = Client()
    response = client.post("/portal/login/", {"username": ALICE_MOBILE, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    body = client.get("/portal/").content.decode()
    assert ACCOUNT_A in body
    assert ACCOUNT_B not in body


def test_login_redirects_only_to_local_pages(world: World) -> None:
    response = Client().post(
        "/portal/login/",
        {"username": ALICE_MOBILE, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/portal/"


def test_wrong_password_and_unknown_user_get_the_same_message(world: World) -> None:
    wrong = Client().post("/portal/login/", {"username": ALICE_MOBILE, "password": "nope-nope"})
    unknown = Client().post("/portal/login/", {"username": "13011112222", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 400
    assert "账号或密码不正确" in wrong.content.decode()
    assert "账号或密码不正确" in unknown.content.decode()


def test_repeated_failures_lock_the_login_even_for_the_right_password(world: World) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/portal/login/", {"username": ALICE_MOBILE, "password": "wrong-pass"})
    response = client.post("/portal/login/", {"username": ALICE_MOBILE, "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_customer_account_page_is_404(world: World, client_for) -> None:
    response = client_for("alice").get(f"/portal/accounts/{ACCOUNT_B}/")
    assert response.status_code == 404
    main = response.content.decode().split("<main")[1]
    assert "页面不存在" in main
    assert ACCOUNT_B not in main


def test_own_account_page_shows_masked_details(world: World, client_for) -> None:
    body = client_for("alice").get(f"/portal/accounts/{ACCOUNT_A}/").content.decode()
    assert "张*丰" in body
    assert "138****0001" in body
    assert "石牌供电所" in body
    assert "华师路 ** 号 * 栋 ***" in body


def test_register_refuses_a_malformed_mobile_naming_the_field(world: World) -> None:
    response = Client().post("/portal/register/", {"mobile": "12345", "password": "long-enough-1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "手机号格式不正确" in body
    assert not User.objects.filter(username="12345").exists()


def test_register_refuses_a_taken_mobile(world: World) -> None:
    response = Client().post(
        "/portal/register/", {"mobile": ALICE_MOBILE, "password": "another-long-1"}
    )
    assert response.status_code == 400
    assert "该手机号已注册" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_binding_in_the_portal_takes_two_steps(world: World, client_for) -> None:
    # Real commits: the code is texted on commit to the account's registered mobile (the
    # recording sender's table stands for that phone); the page never shows it.
    client = client_for("alice")
    sent = client.post("/portal/accounts/bind/", {"step": "request", "account_number": ACCOUNT_C})
    assert sent.status_code == 200
    body = sent.content.decode()
    assert "137****0003" in body
    text = SimulatedMessage.objects.get(mobile="13700000003").text
    code = text.split("验证码 ")[1][:6]
    assert code not in body
    bound = client.post(
        "/portal/accounts/bind/", {"step": "confirm", "account_number": ACCOUNT_C, "code": code}
    )
    assert bound.status_code == 302
    assert ACCOUNT_C in client.get("/portal/accounts/").content.decode()


def test_binding_with_a_wrong_code_shows_the_error_and_binds_nothing(
    world: World, client_for
) -> None:
    client = client_for("alice")
    client.post("/portal/accounts/bind/", {"step": "request", "account_number": ACCOUNT_C})
    response = client.post(
        "/portal/accounts/bind/", {"step": "confirm", "account_number": ACCOUNT_C, "code": "000000"}
    )
    assert response.status_code == 400
    assert "验证码不正确" in response.content.decode()
    assert ACCOUNT_C not in client.get("/portal/accounts/").content.decode()


def test_language_switch_serves_english(world: World, client_for) -> None:
    client = client_for("alice")
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/accounts/"})
    assert "My accounts" in client.get("/portal/accounts/").content.decode()
