"""Binding a 户号 to a portal login: proof is a code texted to the account's registered mobile.

Carol is a new portal login for 棠下五金厂, whose account C (registered mobile 13700000003)
has no login bound yet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import override_settings
from django.utils import timezone

from gridcare.core.errors import DomainError, NotFound, RateLimited
from gridcare.core.models import AuditLog, User
from gridcare.core.services import customer_user_register
from gridcare.customers.models import AccountBinding, BindingChallenge, SimulatedMessage
from gridcare.customers.selectors import accounts_of_login
from gridcare.customers.services import (
    account_bind_confirm,
    account_bind_request,
    account_unbind,
)
from gridcare.testing.personas import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    ALICE_MOBILE,
    BOB_MOBILE,
    PASSWORD,
    World,
)

CAROL_MOBILE = "13700000003"
CODE_RE = re.compile(r"验证码 (\d{6})，")

Request = Callable[[User, str], str]


@pytest.fixture
def carol(world: World) -> User:
    return customer_user_register(mobile=CAROL_MOBILE, password=PASSWORD, display_name="陈老板")


@pytest.fixture
def request_code(django_capture_on_commit_callbacks) -> Request:  # type: ignore[no-untyped-def]
    """Ask for a code as `user` and return the one texted to the registered mobile."""

    def request(user: User, account_number: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            challenge = account_bind_request(actor=user, account_number=account_number)
        text = SimulatedMessage.objects.filter(mobile=challenge.account.registered_mobile).first()
        assert text is not None
        match = CODE_RE.search(text.text)
        assert match is not None, text.text
        return match.group(1)

    return request


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _numbers(user: User) -> set[str]:
    return {account.number for account in accounts_of_login(user=user)}


# --- Requesting a code ---


def test_bind_request_texts_a_six_digit_code_to_the_registered_mobile(
    carol: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        challenge = account_bind_request(actor=carol, account_number=ACCOUNT_C)

    assert len(callbacks) == 1
    (message,) = SimulatedMessage.objects.all()
    assert message.mobile == CAROL_MOBILE
    assert ACCOUNT_C in message.text
    match = CODE_RE.search(message.text)
    assert match is not None
    code = match.group(1)
    stored = BindingChallenge.objects.get(pk=challenge.pk)
    assert stored.code_digest
    assert code not in stored.code_digest
    assert stored.attempts == 0
    entry = AuditLog.objects.get(action="customers.binding.request")
    assert entry.actor == carol
    assert entry.data == {"mobile": "137****0003"}
    assert code not in str(entry.data)


def test_no_code_is_sent_before_the_request_commits(
    carol: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account_bind_request(actor=carol, account_number=ACCOUNT_C)
    assert len(callbacks) == 1
    assert not SimulatedMessage.objects.exists()


def test_the_code_goes_to_the_account_holder_not_to_the_requester(
    world: World, request_code: Request
) -> None:
    # Bob asks to bind Alice's account: the code reaches Alice's phone, never Bob's.
    request_code(world.users["bob"], ACCOUNT_A)
    assert SimulatedMessage.objects.filter(mobile=ALICE_MOBILE).count() == 1
    assert not SimulatedMessage.objects.filter(mobile=BOB_MOBILE).exists()


@override_settings(VERIFICATION_CODE_TTL_SECONDS=120)
def test_the_code_expires_after_the_configured_time(carol: User) -> None:
    before = timezone.now()
    challenge = account_bind_request(actor=carol, account_number=ACCOUNT_C)
    after = timezone.now()
    assert before + dt.timedelta(seconds=120) <= challenge.expires_at
    assert challenge.expires_at <= after + dt.timedelta(seconds=120)


def test_a_second_request_within_a_minute_is_refused(carol: User, request_code: Request) -> None:
    request_code(carol, ACCOUNT_C)
    with pytest.raises(RateLimited) as excinfo:
        account_bind_request(actor=carol, account_number=ACCOUNT_C)
    assert excinfo.value.code == "customers.binding.too_frequent"
    assert excinfo.value.status == 429
    assert SimulatedMessage.objects.filter(mobile=CAROL_MOBILE).count() == 1
    assert BindingChallenge.objects.filter(user=carol).count() == 1


def test_other_logins_cannot_flood_the_registered_mobile(
    world: World, carol: User, request_code: Request
) -> None:
    # The limit is per account, whoever asks: it protects the owner of the registered mobile.
    request_code(carol, ACCOUNT_C)
    with pytest.raises(RateLimited) as excinfo:
        account_bind_request(actor=world.users["bob"], account_number=ACCOUNT_C)
    assert excinfo.value.code == "customers.binding.too_frequent"
    assert SimulatedMessage.objects.filter(mobile=CAROL_MOBILE).count() == 1


def test_a_new_code_may_be_requested_after_a_minute_and_replaces_the_old_one(
    carol: User, request_code: Request
) -> None:
    old_code = request_code(carol, ACCOUNT_C)
    BindingChallenge.objects.filter(user=carol).update(
        created_at=timezone.now() - dt.timedelta(seconds=61)
    )
    new_code = request_code(carol, ACCOUNT_C)
    assert SimulatedMessage.objects.filter(mobile=CAROL_MOBILE).count() == 2

    if old_code != new_code:  # one chance in a million that both codes are equal
        with pytest.raises(DomainError) as excinfo:
            account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=old_code)
        assert excinfo.value.code == "customers.binding.wrong_code"
    account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=new_code)
    assert _numbers(carol) == {ACCOUNT_C}


def test_requesting_a_code_for_an_unknown_account_is_not_found(carol: User) -> None:
    with pytest.raises(NotFound) as excinfo:
        account_bind_request(actor=carol, account_number="3199999999999")
    assert excinfo.value.code == "customers.account.not_found"
    assert excinfo.value.field == "account_number"
    assert not SimulatedMessage.objects.exists()


def test_requesting_a_code_for_a_malformed_account_number_is_refused(carol: User) -> None:
    with pytest.raises(DomainError) as excinfo:
        account_bind_request(actor=carol, account_number="31000")
    assert excinfo.value.code == "customers.account.number_invalid"
    assert excinfo.value.field == "account_number"


def test_requesting_a_code_for_an_account_already_bound_is_refused(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        account_bind_request(actor=world.users["alice"], account_number=ACCOUNT_A)
    assert excinfo.value.code == "customers.binding.already_bound"
    assert not BindingChallenge.objects.exists()
    assert not SimulatedMessage.objects.exists()


# --- Confirming ---


def test_the_right_code_binds_the_account_to_the_login(carol: User, request_code: Request) -> None:
    code = request_code(carol, ACCOUNT_C)
    binding = account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=f" {code} ")

    assert AccountBinding.objects.filter(
        pk=binding.pk, user=carol, account__number=ACCOUNT_C, revoked_at__isnull=True
    ).exists()
    assert _numbers(carol) == {ACCOUNT_C}
    entry = AuditLog.objects.get(action="customers.binding.confirm")
    assert entry.actor == carol
    assert entry.object_type == "customers.account"
    assert BindingChallenge.objects.get(user=carol).consumed_at is not None


def test_a_wrong_code_is_refused_and_the_try_is_counted(carol: User, request_code: Request) -> None:
    code = request_code(carol, ACCOUNT_C)
    for tries in (1, 2):
        with pytest.raises(DomainError) as excinfo:
            account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=_wrong(code))
        assert excinfo.value.code == "customers.binding.wrong_code"
        assert excinfo.value.field == "code"
        assert BindingChallenge.objects.get(user=carol).attempts == tries
    assert _numbers(carol) == set()


@override_settings(VERIFICATION_CODE_MAX_ATTEMPTS=3)
def test_after_too_many_wrong_codes_even_the_right_one_is_refused(
    carol: User, request_code: Request
) -> None:
    code = request_code(carol, ACCOUNT_C)
    for _ in range(3):
        with pytest.raises(DomainError, match="验证码不正确"):
            account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=_wrong(code))

    with pytest.raises(RateLimited) as excinfo:
        account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=code)
    assert excinfo.value.code == "customers.binding.too_many_attempts"
    assert excinfo.value.status == 429
    assert not AccountBinding.objects.filter(user=carol).exists()


@override_settings(VERIFICATION_CODE_MAX_ATTEMPTS=3)
def test_the_right_code_still_works_on_the_last_allowed_try(
    carol: User, request_code: Request
) -> None:
    code = request_code(carol, ACCOUNT_C)
    for _ in range(2):
        with pytest.raises(DomainError):
            account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=_wrong(code))
    account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=code)
    assert _numbers(carol) == {ACCOUNT_C}


def test_an_expired_code_is_refused(carol: User, request_code: Request) -> None:
    code = request_code(carol, ACCOUNT_C)
    BindingChallenge.objects.filter(user=carol).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(DomainError) as excinfo:
        account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=code)
    assert excinfo.value.code == "customers.binding.no_code"
    assert not AccountBinding.objects.filter(user=carol).exists()


@override_settings(VERIFICATION_CODE_TTL_SECONDS=0)
def test_a_code_with_no_lifetime_left_is_refused(carol: User, request_code: Request) -> None:
    code = request_code(carol, ACCOUNT_C)
    with pytest.raises(DomainError) as excinfo:
        account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=code)
    assert excinfo.value.code == "customers.binding.no_code"


def test_a_code_can_be_used_only_once(carol: User, request_code: Request) -> None:
    code = request_code(carol, ACCOUNT_C)
    account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=code)
    account_unbind(actor=carol, account_number=ACCOUNT_C)

    with pytest.raises(DomainError) as excinfo:
        account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code=code)
    assert excinfo.value.code == "customers.binding.no_code"
    assert _numbers(carol) == set()
    assert AuditLog.objects.filter(action="customers.binding.confirm").count() == 1


def test_confirming_without_requesting_a_code_is_refused(carol: User) -> None:
    with pytest.raises(DomainError) as excinfo:
        account_bind_confirm(actor=carol, account_number=ACCOUNT_C, code="123456")
    assert excinfo.value.code == "customers.binding.no_code"


def test_a_code_works_only_for_the_login_that_requested_it(
    world: World, carol: User, request_code: Request
) -> None:
    code = request_code(carol, ACCOUNT_C)
    bob = world.users["bob"]
    with pytest.raises(DomainError) as excinfo:
        account_bind_confirm(actor=bob, account_number=ACCOUNT_C, code=code)
    assert excinfo.value.code == "customers.binding.no_code"
    assert _numbers(bob) == {ACCOUNT_B}


def test_a_code_for_one_account_does_not_bind_another(
    world: World, carol: User, request_code: Request
) -> None:
    code = request_code(carol, ACCOUNT_C)
    with pytest.raises(DomainError) as excinfo:
        account_bind_confirm(actor=carol, account_number=ACCOUNT_B, code=code)
    assert excinfo.value.code == "customers.binding.no_code"
    assert _numbers(carol) == set()


def test_confirming_for_an_unknown_account_is_not_found(carol: User) -> None:
    with pytest.raises(NotFound) as excinfo:
        account_bind_confirm(actor=carol, account_number="3199999999999", code="123456")
    assert excinfo.value.code == "customers.account.not_found"


# --- Unbinding ---


def test_unbinding_hides_the_account_and_keeps_the_history(world: World) -> None:
    alice = world.users["alice"]
    account_unbind(actor=alice, account_number=ACCOUNT_A)

    assert _numbers(alice) == set()
    binding = AccountBinding.objects.get(user=alice, account__number=ACCOUNT_A)
    assert binding.revoked_at is not None
    entry = AuditLog.objects.get(action="customers.binding.revoke")
    assert entry.actor == alice


def test_unbinding_an_account_that_is_not_bound_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as excinfo:
        account_unbind(actor=world.users["bob"], account_number=ACCOUNT_A)
    assert excinfo.value.code == "customers.binding.not_found"
    assert _numbers(world.users["alice"]) == {ACCOUNT_A}


def test_unbinding_twice_is_not_found(world: World) -> None:
    alice = world.users["alice"]
    account_unbind(actor=alice, account_number=ACCOUNT_A)
    with pytest.raises(NotFound) as excinfo:
        account_unbind(actor=alice, account_number=ACCOUNT_A)
    assert excinfo.value.code == "customers.binding.not_found"


def test_an_unbound_account_can_be_bound_again_with_a_new_code(
    world: World, request_code: Request
) -> None:
    alice = world.users["alice"]
    account_unbind(actor=alice, account_number=ACCOUNT_A)
    code = request_code(alice, ACCOUNT_A)
    account_bind_confirm(actor=alice, account_number=ACCOUNT_A, code=code)
    assert _numbers(alice) == {ACCOUNT_A}
    assert AccountBinding.objects.filter(user=alice, account__number=ACCOUNT_A).count() == 2
