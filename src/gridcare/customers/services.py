"""Customer use cases: records, accounts and meters, consent, and binding an account to a login."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import ConcurrentChange, Conflict, DomainError, NotFound, RateLimited
from gridcare.core.models import OrgUnit, User
from gridcare.core.privacy import blind_index, mask_mobile
from gridcare.core.validators import (
    normalize_account_number,
    normalize_id_number,
    normalize_mobile,
)
from gridcare.customers.choices import InteractionChannel, InteractionDirection
from gridcare.customers.codes import code_sender
from gridcare.customers.models import (
    Account,
    AccountBinding,
    AccountMeter,
    BindingChallenge,
    ChannelIdentity,
    ConsentRecord,
    ContactPreference,
    Customer,
    Interaction,
    Premise,
)
from gridcare.customers.selectors import consent_current, consent_effective
from gridcare.grid.models import Meter


@transaction.atomic
def customer_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    mobile: str,
    id_number: str = "",
) -> Customer:
    """Register a customer; the ID number is validated, encrypted and indexed for lookup."""
    if not name.strip():
        raise DomainError("customers.customer.name_required", "客户名称不能为空", field="name")
    customer = Customer(kind=kind, name=name.strip(), mobile=normalize_mobile(mobile))
    if id_number:
        customer.id_number = normalize_id_number(id_number)
        customer.id_number_index = blind_index(customer.id_number)
        if Customer.objects.filter(id_number_index=customer.id_number_index).exists():
            raise Conflict(
                "customers.customer.id_number_taken",
                "该身份证号已登记为其他客户",
                field="id_number",
            )
    customer.full_clean(exclude=["id_number_index", "user"])
    customer.save()
    audit_record(actor=actor, action="customers.customer.create", obj=customer)
    return customer


def premise_create(*, province: str, city: str, district: str, street: str, detail: str) -> Premise:
    premise = Premise(province=province, city=city, district=district, street=street, detail=detail)
    premise.full_clean()
    premise.save()
    return premise


@transaction.atomic
def account_open(
    *,
    actor: User | None,
    customer: Customer,
    number: str,
    premise: Premise,
    supply_unit: OrgUnit,
    tariff_class: str,
    contracted_capacity_kva: Decimal,
    voltage_level: str = "0.22kV",
    importance_level: str = "none",
    is_sensitive: bool = False,
    registered_mobile: str | None = None,
) -> Account:
    """Open a 户号 for a customer at a premise, supplied by one supply station."""
    number = normalize_account_number(number, field="number")
    if Account.objects.filter(number=number).exists():
        raise DomainError("customers.account.number_taken", "该户号已存在", field="number")
    account = Account(
        number=number,
        customer=customer,
        premise=premise,
        supply_unit=supply_unit,
        registered_mobile=normalize_mobile(registered_mobile or customer.mobile),
        tariff_class=tariff_class,
        contracted_capacity_kva=contracted_capacity_kva,
        voltage_level=voltage_level,
        importance_level=importance_level,
        is_sensitive=is_sensitive,
    )
    account.full_clean()
    account.save()
    audit_record(actor=actor, action="customers.account.open", obj=account)
    return account


@transaction.atomic
def account_attach_meter(*, actor: User | None, account: Account, meter: Meter) -> AccountMeter:
    """Link a meter to the account it measures (one account per meter)."""
    if AccountMeter.objects.filter(meter=meter).exists():
        raise DomainError("customers.account.meter_taken", "该电能表已关联其他户号", field="meter")
    link = AccountMeter(account=account, meter=meter)
    link.full_clean(validate_unique=False)
    try:
        link.save()
    except IntegrityError as exc:
        # Lost a race with another attach of the same meter.
        raise DomainError("customers.account.meter_taken", "该电能表已关联其他户号") from exc
    audit_record(
        actor=actor, action="customers.account.attach_meter", obj=account, data={"meter": meter.pk}
    )
    return link


# --- Binding an account to a portal login (proof: a code sent to the registered mobile) ---


def _code_digest(challenge_salt: str, code: str) -> str:
    return hmac.new(challenge_salt.encode(), code.encode(), hashlib.sha256).hexdigest()


def _account_for_binding(number: str) -> Account:
    account = Account.objects.filter(number=normalize_account_number(number)).first()
    if account is None:
        raise NotFound("customers.account.not_found", "户号不存在", field="account_number")
    return account


@transaction.atomic
def account_bind_request(*, actor: User, account_number: str) -> BindingChallenge:
    """Send a 6-digit code to the account's registered mobile; binding needs it back.

    Throttled to one code per account per minute, so the registered mobile is not flooded.
    """
    account = _account_for_binding(account_number)
    if AccountBinding.objects.filter(user=actor, account=account, revoked_at__isnull=True).exists():
        raise DomainError("customers.binding.already_bound", "该户号已绑定到您的账号")
    now = timezone.now()
    # Per account, whoever asks: the limit protects the owner of the registered mobile.
    recent = BindingChallenge.objects.filter(
        account=account, created_at__gt=now - dt.timedelta(seconds=60)
    )
    if recent.exists():
        raise RateLimited("customers.binding.too_frequent", "验证码发送过于频繁，请一分钟后再试")
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = BindingChallenge.objects.create(
        user=actor,
        account=account,
        code_digest="",
        expires_at=now + dt.timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS),
    )
    challenge.code_digest = _code_digest(str(challenge.pk) + settings.SECRET_KEY, code)
    challenge.save(update_fields=["code_digest"])
    text = f"【GridCare】您正在绑定户号{account.number}，验证码 {code}，5 分钟内有效。"
    # The message is sent only if the challenge commits, so a rollback never leaks a code.
    transaction.on_commit(lambda: code_sender().send(mobile=account.registered_mobile, text=text))
    audit_record(
        actor=actor,
        action="customers.binding.request",
        obj=account,
        data={"mobile": mask_mobile(account.registered_mobile)},
    )
    return challenge


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
    if challenge is None:
        raise DomainError(
            "customers.binding.no_code", "验证码已过期或未发送，请重新获取", field="code"
        )
    if challenge.attempts >= settings.VERIFICATION_CODE_MAX_ATTEMPTS:
        raise RateLimited("customers.binding.too_many_attempts", "验证码错误次数过多，请重新获取")
    given = _code_digest(str(challenge.pk) + settings.SECRET_KEY, code.strip())
    if not hmac.compare_digest(challenge.code_digest, given):
        BindingChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
        raise DomainError("customers.binding.wrong_code", "验证码不正确", field="code")
    return _binding_complete(actor=actor, account=account, challenge=challenge, now=now)


@transaction.atomic
def _binding_complete(
    *, actor: User, account: Account, challenge: BindingChallenge, now: dt.datetime
) -> AccountBinding:
    # Compare-and-set: a code is good for exactly one binding, even under double submits.
    claimed = BindingChallenge.objects.filter(pk=challenge.pk, consumed_at__isnull=True).update(
        consumed_at=now
    )
    if claimed != 1:
        raise ConcurrentChange("customers.binding.code_used", "验证码已使用，请重新获取")
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


# --- Identities, preferences, consent ---


@transaction.atomic
def channel_identity_link(
    *, actor: User | None, customer: Customer, channel: str, external_id: str
) -> ChannelIdentity:
    existing = ChannelIdentity.objects.filter(channel=channel, external_id=external_id).first()
    if existing is not None and existing.customer_id != customer.pk:
        raise DomainError("customers.identity.taken", "该渠道身份已关联其他客户")
    identity = existing or ChannelIdentity.objects.create(
        customer=customer, channel=channel, external_id=external_id
    )
    audit_record(
        actor=actor, action="customers.identity.link", obj=customer, data={"channel": channel}
    )
    return identity


@transaction.atomic
def contact_preference_set(
    *,
    actor: User | None,
    customer: Customer,
    channels: list[str],
    language: str = "zh-hans",
    email: str | None = None,
    quiet_start: dt.time | None = None,
    quiet_end: dt.time | None = None,
) -> ContactPreference:
    """Set how the customer wants to be reached: channels in order, e-mail, quiet hours
    (both or neither: the utility's default)."""
    if (quiet_start is None) != (quiet_end is None):
        raise DomainError(
            "customers.preference.quiet_hours",
            "免打扰时段需同时填写开始和结束时间",
            field="quiet_end",
        )
    pref, _ = ContactPreference.objects.get_or_create(customer=customer)
    pref.channels = list(dict.fromkeys(channels))
    pref.language = language
    if email is not None:
        pref.email = email
    pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    pref.updated_at = timezone.now()
    pref.full_clean()
    pref.save()
    audit_record(actor=actor, action="customers.preference.set", obj=customer)
    return pref


@transaction.atomic
def consent_record(
    *,
    actor: User | None,
    customer: Customer,
    purpose: str,
    granted: bool,
    source: str,
    notice_version: str = "2026-01",
) -> ConsentRecord:
    """Append a consent decision (PIPL); history is never overwritten."""
    record = ConsentRecord(
        customer=customer,
        purpose=purpose,
        granted=granted,
        source=source,
        notice_version=notice_version,
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        action="customers.consent.record",
        obj=customer,
        data={"purpose": purpose, "granted": granted},
    )
    return record


@transaction.atomic
def contact_settings_save(
    *,
    actor: User,
    customer: Customer,
    channels: list[str],
    email: str,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
    consents: dict[str, bool],
    source: str,
) -> None:
    """What a customer sets on the portal's notification settings, in one transaction:
    the contact preference, and a consent record for each purpose whose effective
    decision (`selectors.consent_effective`) changes — and only for those."""
    contact_preference_set(
        actor=actor,
        customer=customer,
        channels=channels,
        email=email,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )
    effective = consent_effective(consent_current(customer=customer))
    for purpose, granted in consents.items():
        if effective.get(purpose) != granted:
            consent_record(
                actor=actor, customer=customer, purpose=purpose, granted=granted, source=source
            )


# --- timeline ---------------------------------------------------------------------------------


def interaction_record(
    *,
    actor: User | None,
    customer_id: int,
    channel: str,
    direction: str,
    summary: str,
    occurred_at: dt.datetime | None = None,
    account_id: int | None = None,
    body: str = "",
    links: dict[str, Any] | None = None,
    external_id: str = "",
    data: dict[str, Any] | None = None,
) -> Interaction:
    """Put one contact on the customer's timeline. The same (channel, external_id) again
    returns the first record unchanged (a webhook or CTI system delivering twice)."""
    if channel not in InteractionChannel.values:
        raise DomainError(
            "customers.interaction.bad_channel", f"未知渠道：{channel}", field="channel"
        )
    if direction not in InteractionDirection.values:
        raise DomainError(
            "customers.interaction.bad_direction", f"未知方向：{direction}", field="direction"
        )
    _check_channel_data(channel, data or {})
    _check_occurred_at(occurred_at)
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound("customers.customer.not_found", "客户不存在", field="customer")
    if (
        account_id is not None
        and not Account.objects.filter(pk=account_id, customer_id=customer_id).exists()
    ):
        raise DomainError(
            "customers.interaction.account_mismatch", "户号不属于该客户", field="account"
        )
    if external_id:
        existing = Interaction.objects.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            return existing
    interaction = Interaction(
        customer_id=customer_id,
        account_id=account_id,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at or timezone.now(),
        summary=summary[:200],
        body=body,
        agent=actor if actor is not None and not actor.is_customer else None,
        links=links or {},
        external_id=external_id,
        data=data or {},
    )
    interaction.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            interaction.save()
    except IntegrityError:  # the same external id recorded concurrently
        return Interaction.objects.get(channel=channel, external_id=external_id)
    return interaction


def interactions_record_many(*, entries: list[dict[str, Any]]) -> None:
    """Bulk timeline entries from other apps' batch use cases (notifications sent), each a
    dict of `Interaction` fields the caller has checked; an external id already on the
    timeline is skipped."""
    rows = [Interaction(**entry) for entry in entries]
    Interaction.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


#: What a channel's record must carry in `data`: (field, type, message).
CHANNEL_DATA = {
    InteractionChannel.HOTLINE: [
        ("recording_ref", str, "通话记录缺少录音编号 recording_ref"),
        ("duration_seconds", int, "通话记录缺少通话时长 duration_seconds（秒）"),
    ],
    InteractionChannel.COUNTER: [
        ("queue_number", str, "柜台服务记录缺少排队号 queue_number"),
        ("wait_seconds", int, "柜台服务记录缺少等候时长 wait_seconds（秒）"),
        ("service_seconds", int, "柜台服务记录缺少办理时长 service_seconds（秒）"),
    ],
}


#: A contact is dated in GridCare's lifetime: none before 2000, none more than a day ahead
#: (a clock a little fast is fine; 9999-12-31 would top every timeline forever).
INTERACTION_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
INTERACTION_AHEAD = dt.timedelta(days=1)


def _check_occurred_at(occurred_at: dt.datetime | None) -> None:
    if occurred_at is None:
        return
    if occurred_at.tzinfo is None:
        occurred_at = timezone.make_aware(occurred_at)
    if not INTERACTION_EARLIEST <= occurred_at <= timezone.now() + INTERACTION_AHEAD:
        raise DomainError(
            "customers.interaction.occurred_at_out_of_range",
            "联系时间应在 2000-01-01 之后，且不晚于当前时间一天",
            field="occurred_at",
        )


def _check_channel_data(channel: str, data: dict[str, Any]) -> None:
    """Hotline and counter records carry what service-quality monitoring measures."""
    for name, kind, message in CHANNEL_DATA.get(InteractionChannel(channel), []):
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, kind):
            valid = False
        elif isinstance(value, int):
            valid = value >= 0
        else:
            valid = bool(str(value).strip())
        if not valid:
            raise DomainError("customers.interaction.bad_data", message, field=f"data.{name}")
