"""The customer's timeline: one `Interaction` per contact, whatever the channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import User
from gridcare.customers.choices import InteractionChannel, InteractionDirection
from gridcare.customers.models import Account, Customer, Interaction


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


def interaction_link(*, customer_id: int, interaction_id: int, links: dict[str, Any]) -> None:
    """Name what a contact led to (the work order a call became) on its timeline entry."""
    interaction = Interaction.objects.filter(pk=interaction_id, customer_id=customer_id).first()
    if interaction is None:
        raise NotFound("customers.interaction.not_found", "联系记录不存在", field="interaction_id")
    interaction.links = {**interaction.links, **links}
    interaction.save(update_fields=["links"])
