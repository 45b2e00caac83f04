"""Enqueueing notifications: rules 1–6 of the package docstring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.customers.choices import ContactChannel
from gridcare.customers.selectors import ContactProfile, consent_effective, contact_profiles
from gridcare.notify import rendering
from gridcare.notify.choices import NotificationStatus, SuppressionReason
from gridcare.notify.models import Notification, NotificationEvent, NotificationTemplate
from gridcare.notify.queue import delivery_enqueue
from gridcare.notify.services.templates import template_current, template_render

BEIJING = ZoneInfo("Asia/Shanghai")
S = NotificationStatus


@dataclass(frozen=True)
class MessageRequest:
    """One message of a (bulk) send: to whom, with what variables, under which key."""

    customer_id: int
    idempotency_key: str
    context: dict[str, Any]
    account_id: int | None = None


@dataclass
class EnqueueResult:
    created: list[Notification] = field(default_factory=list)
    existing: int = 0

    def count(self, status: str) -> int:
        return sum(1 for n in self.created if n.status == status)


def notification_enqueue(
    *,
    actor: User | None,
    customer_id: int,
    template_code: str,
    context: dict[str, Any],
    idempotency_key: str,
    purpose: str | None = None,
    channel: str | None = None,
    account_id: int | None = None,
    now: datetime | None = None,
) -> Notification:
    """Enqueue one message (rules 1–6); the same `idempotency_key` returns the first one."""
    request = MessageRequest(
        customer_id=customer_id,
        idempotency_key=idempotency_key,
        context=context,
        account_id=account_id,
    )
    result = notifications_enqueue(
        actor=actor,
        requests=[request],
        template_code=template_code,
        purpose=purpose,
        channel=channel,
        now=now,
    )
    if result.created:
        return result.created[0]
    return Notification.objects.get(idempotency_key=idempotency_key)


@transaction.atomic
def notifications_enqueue(
    *,
    actor: User | None,
    requests: Sequence[MessageRequest],
    template_code: str,
    purpose: str | None = None,
    channel: str | None = None,
    batch: str = "",
    now: datetime | None = None,
) -> EnqueueResult:
    """Enqueue many messages of one template in one transaction, with one delivery task per
    `NOTIFY_TASK_BATCH` messages. Keys already used are skipped (counted in `existing`).
    Every message is rendered before anything is written."""
    now = now or timezone.now()
    keys = [r.idempotency_key for r in requests]
    taken = set(
        Notification.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    fresh = [r for r in requests if r.idempotency_key not in taken]
    fresh = list({r.idempotency_key: r for r in fresh}.values())  # a key twice in one call
    profiles = contact_profiles(customer_ids=[r.customer_id for r in fresh])
    missing = [r.customer_id for r in fresh if r.customer_id not in profiles]
    if missing:
        raise DomainError(
            "notify.customer.not_found", f"客户不存在：{missing[0]}", field="customer"
        )
    sent_today = _recent_counts(list(profiles), now)
    rows = []
    templates: dict[str, NotificationTemplate] = {}
    for request in fresh:
        profile = profiles[request.customer_id]
        chosen = channel or _channel_for(profile)
        if chosen not in templates:
            templates[chosen] = template_current(code=template_code, channel=chosen)
        template = templates[chosen]
        subject, body = template_render(template=template, context=request.context)
        message = _Message(
            request=request,
            profile=profile,
            template=template,
            channel=chosen,
            purpose=purpose or template.purpose,
            subject=subject,
            body=body,
        )
        row = _planned(
            message, sent_today=sent_today.get(profile.customer_id, 0), batch=batch, now=now
        )
        if row.status != S.SUPPRESSED and not row.urgent:
            sent_today[profile.customer_id] = sent_today.get(profile.customer_id, 0) + 1
        rows.append(row)
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    NotificationEvent.objects.bulk_create(
        NotificationEvent(notification=n, to_status=n.status, at=now, data=_event_data(n))
        for n in created
    )
    _enqueue_delivery(created)
    return EnqueueResult(created=created, existing=len(requests) - len(fresh))


def _channel_for(profile: ContactProfile) -> str:
    for preferred in profile.channels:
        if preferred in profile.addresses:
            return preferred
    return ContactChannel.SMS


def _recent_counts(customer_ids: list[int], now: datetime) -> dict[int, int]:
    since = now - timedelta(hours=24)
    rows = (
        Notification.objects.filter(
            customer_id__in=customer_ids, urgent=False, created_at__gte=since
        )
        .exclude(status=S.SUPPRESSED)
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    return {r["customer_id"]: r["n"] for r in rows}


@dataclass(frozen=True)
class _Message:
    """One rendered message before its row exists: who, on which channel, with what text."""

    request: MessageRequest
    profile: ContactProfile
    template: NotificationTemplate
    channel: str
    purpose: str
    subject: str
    body: str


def _planned(message: _Message, *, sent_today: int, batch: str, now: datetime) -> Notification:
    """The new row with its first status (rules 1–4); `sent_today` counts the customer's
    non-urgent messages of the last 24 h, this request's earlier ones included."""
    profile, template, purpose = message.profile, message.template, message.purpose
    status, reason, due = S.QUEUED, "", now
    destination = profile.addresses.get(message.channel, "")
    if not consent_effective(profile.consent).get(purpose, False):
        status, reason = S.SUPPRESSED, SuppressionReason.NO_CONSENT
    elif not destination:
        status, reason = S.SUPPRESSED, SuppressionReason.NO_DESTINATION
    elif not template.urgent and sent_today >= settings.NOTIFY_CUSTOMER_DAILY_LIMIT:
        status, reason = S.SUPPRESSED, SuppressionReason.RATE_LIMITED
    elif not template.urgent and (until := _quiet_until(profile, now)) is not None:
        status, due = S.DEFERRED, until
    return Notification(
        idempotency_key=message.request.idempotency_key,
        customer_id=profile.customer_id,
        account_id=message.request.account_id,
        template=template,
        channel=message.channel,
        purpose=purpose,
        urgent=template.urgent,
        context=message.request.context,
        subject=message.subject,
        body=message.body,
        destination=destination,
        status=status,
        reason=str(reason),
        next_attempt_at=None if status == S.SUPPRESSED else due,
        batch=batch,
        created_at=now,
    )


def _quiet_until(profile: ContactProfile, now: datetime) -> datetime | None:
    start = profile.quiet_start or _clock(settings.NOTIFY_QUIET_START)
    end = profile.quiet_end or _clock(settings.NOTIFY_QUIET_END)
    if start == end:
        return None
    return rendering.quiet_until(now.astimezone(BEIJING), start, end)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _event_data(notification: Notification) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if notification.reason:
        data["reason"] = notification.reason
    if notification.status == S.DEFERRED and notification.next_attempt_at:
        data["until"] = notification.next_attempt_at.isoformat()
    return data


def _enqueue_delivery(notifications: Sequence[Notification]) -> None:
    """One task per chunk of due messages, one per deferred wake-up time (rule 6)."""
    delivery_enqueue([n.pk for n in notifications if n.status in (S.QUEUED, S.RETRYING)])
    later: dict[datetime, list[int]] = {}
    for n in notifications:
        if n.status == S.DEFERRED and n.next_attempt_at is not None:
            later.setdefault(n.next_attempt_at, []).append(n.pk)
    for when, ids in later.items():
        delivery_enqueue(ids, run_after=when)
