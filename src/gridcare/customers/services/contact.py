"""How a customer is reached and what they agreed to: channel identities, contact
preferences, consent (PIPL, append-only)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.customers.models import ChannelIdentity, ConsentRecord, ContactPreference, Customer
from gridcare.customers.selectors import consent_current, consent_effective


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
