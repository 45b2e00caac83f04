"""Binding cannot take over another customer's account (issue 23).

The attack: as a portal login, ask to bind an account of another customer and read its
code off the page ("演示短信 … 验证码 …"), then confirm it. Now the code goes only to the
account's registered mobile; the demo shows a simulated code only when that mobile is the
login's own number; guesses are limited per code and codes per hour.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from gridcare.customers.models import AccountBinding, BindingChallenge, SimulatedMessage
from gridcare.customers.services import account_unbind
from gridcare.testing.personas import ACCOUNT_A, ALICE_MOBILE, World

CODE_RE = re.compile(r"验证码 (\d{6})，")
BIND = "/portal/accounts/bind/"


def code_on_phone(mobile: str) -> str:
    message = SimulatedMessage.objects.filter(mobile=mobile).first()
    assert message is not None
    match = CODE_RE.search(message.text)
    assert match is not None
    return match.group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def bound_to(world: World, persona: str) -> set[str]:
    return set(
        AccountBinding.objects.filter(
            user=world.users[persona], revoked_at__isnull=True
        ).values_list("account__number", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_another_customers_code_never_appears_on_the_page(world: World, client_for: Any) -> None:
    # Real commits: the code is sent before the page renders, as in the demo.
    bob = client_for("bob")
    response = bob.post(BIND, {"step": "request", "account_number": ACCOUNT_A})

    assert response.status_code == 200
    body = response.content.decode()
    code = code_on_phone(ALICE_MOBILE)  # it reached Alice's phone
    assert code not in body
    assert 'data-testid="demo-sms"' not in body
    assert "138****0001" in body
    assert ACCOUNT_A not in bound_to(world, "bob")


@override_settings(VERIFICATION_CODE_MAX_ATTEMPTS=5)
def test_guessing_the_code_of_another_customers_account_is_cut_off(
    world: World, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    bob = client_for("bob")
    with django_capture_on_commit_callbacks(execute=True):
        bob.post(BIND, {"step": "request", "account_number": ACCOUNT_A})
    code = code_on_phone(ALICE_MOBILE)
    for _ in range(5):
        wrong = bob.post(
            BIND, {"step": "confirm", "account_number": ACCOUNT_A, "code": _wrong(code)}
        )
        assert wrong.status_code == 400

    # The sixth try is refused even with the right code; a new code waits a minute.
    right = bob.post(BIND, {"step": "confirm", "account_number": ACCOUNT_A, "code": code})
    again = bob.post(BIND, {"step": "request", "account_number": ACCOUNT_A})

    assert right.status_code == 429
    assert "验证码错误次数过多" in right.content.decode()
    assert again.status_code == 429
    assert ACCOUNT_A not in bound_to(world, "bob")


@override_settings(VERIFICATION_CODES_PER_HOUR=2)
def test_codes_to_one_account_are_limited_per_hour(
    world: World, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    bob = client_for("bob")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                bob.post(BIND, {"step": "request", "account_number": ACCOUNT_A}).status_code == 200
            )
        # Step past the one-a-minute limit: only the hourly one is left.
        BindingChallenge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))

    third = bob.post(BIND, {"step": "request", "account_number": ACCOUNT_A})

    assert third.status_code == 429
    assert SimulatedMessage.objects.filter(mobile=ALICE_MOBILE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_demo_shows_a_simulated_code_for_the_logins_own_number(
    world: World, client_for: Any
) -> None:
    # Real commits (the page reads what was sent). Account A is registered to Alice's own
    # mobile, her login name.
    account_unbind(actor=world.users["alice"], account_number=ACCOUNT_A)
    alice = client_for("alice")
    response = alice.post(BIND, {"step": "request", "account_number": ACCOUNT_A})

    body = response.content.decode()
    code = code_on_phone(ALICE_MOBILE)
    assert 'data-testid="demo-sms"' in body
    assert code in body
    bound = alice.post(BIND, {"step": "confirm", "account_number": ACCOUNT_A, "code": code})
    assert bound.status_code == 302
    assert ACCOUNT_A in bound_to(world, "alice")
