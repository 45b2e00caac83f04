"""Binding an account to a portal login; the proof is a code sent to the account's
registered mobile."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import User
from gridcare.core.privacy import mask_mobile
from gridcare.core.validators import normalize_account_number
from gridcare.customers.models import Account, AccountBinding, BindingChallenge
from gridcare.customers.services.verification import (
    challenge_check,
    challenge_consume,
    challenge_seal,
    expiry,
    send_on_commit,
    throttle_requests,
)


def _account_for_binding(number: str) -> Account:
    account = Account.objects.filter(number=normalize_account_number(number)).first()
    if account is None:
        raise NotFound("customers.account.not_found", "户号不存在", field="account_number")
    return account


@transaction.atomic
def account_bind_request(*, actor: User, account_number: str) -> BindingChallenge:
    """Send a 6-digit code to the account's registered mobile; binding needs it back.

    The code reaches only that mobile (through `VERIFICATION_CODE_BACKEND`), never the
    requester: whoever asks, only the holder of the registered number can bind. Throttled
    per account (one a minute, `VERIFICATION_CODES_PER_HOUR` an hour: the owner's phone is
    not flooded, and guesses stay few) and per login.
    """
    account = _account_for_binding(account_number)
    if AccountBinding.objects.filter(user=actor, account=account, revoked_at__isnull=True).exists():
        raise DomainError("customers.binding.already_bound", "该户号已绑定到您的账号")
    now = timezone.now()
    throttle_requests(
        to_target=BindingChallenge.objects.filter(account=account),
        from_source=BindingChallenge.objects.filter(user=actor),
        now=now,
        code="customers.binding.too_frequent",
    )
    challenge = BindingChallenge.objects.create(
        user=actor, account=account, code_digest="", expires_at=expiry(now)
    )
    code = challenge_seal(challenge)
    send_on_commit(
        mobile=account.registered_mobile,
        text=f"【GridCare】您正在绑定户号{account.number}，验证码 {code}，5 分钟内有效。"
        "如非本人操作，请忽略。",
        key=f"binding-{challenge.pk}",
        withdraw=lambda: _withdraw(challenge.pk),
    )
    audit_record(
        actor=actor,
        action="customers.binding.request",
        obj=account,
        data={"mobile": mask_mobile(account.registered_mobile)},
    )
    return challenge


def _withdraw(challenge_pk: int) -> None:
    BindingChallenge.objects.filter(pk=challenge_pk).delete()


def account_bind_confirm(*, actor: User, account_number: str, code: str) -> AccountBinding:
    """Bind the account if `code` matches the newest live challenge; tries are limited.

    Not one transaction on purpose: a wrong code must still count as a try, so the counter
    is bumped in its own statement before the error is raised.
    """
    account = _account_for_binding(account_number)
    now = timezone.now()
    challenge = BindingChallenge.objects.filter(
        user=actor, account=account, consumed_at__isnull=True, expires_at__gt=now
    ).first()
    challenge = challenge_check(challenge, code, flow="binding")
    return _binding_complete(actor=actor, account=account, challenge=challenge, now=now)


@transaction.atomic
def _binding_complete(
    *, actor: User, account: Account, challenge: BindingChallenge, now: dt.datetime
) -> AccountBinding:
    challenge_consume(challenge, now=now, flow="binding")
    binding, _ = AccountBinding.objects.get_or_create(user=actor, account=account, revoked_at=None)
    audit_record(actor=actor, action="customers.binding.confirm", obj=account)
    return binding


@transaction.atomic
def account_unbind(*, actor: User, account_number: str) -> None:
    account = _account_for_binding(account_number)
    updated = AccountBinding.objects.filter(
        user=actor, account=account, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if updated != 1:
        raise NotFound("customers.binding.not_found", "未绑定该户号")
    audit_record(actor=actor, action="customers.binding.revoke", obj=account)
