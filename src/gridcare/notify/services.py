"""Notification use cases: publish a template, enqueue messages (one or in bulk), deliver
them exactly once, and recover what a killed worker left behind.

Rules (docs/architecture.md, "Notifications"):

1. Purpose and consent: marketing needs a current `granted` consent; service, outage and
   billing notices go out under the supply contract unless the customer refused them.
2. Channel: the one asked for, else the customer's first preferred channel with an address,
   else SMS. No address on that channel: the message is kept as `suppressed`.
3. Quiet hours (default 22:00–08:00 Beijing, the customer's own if set): a non-urgent
   message is `deferred` to the end of the quiet period.
4. At most `NOTIFY_CUSTOMER_DAILY_LIMIT` non-urgent messages per customer per 24 h.
5. Rendered once at enqueue: a missing variable refuses the whole request.
6. Enqueued with its delivery task in the same transaction (django-tasks-db writes the
   task row through the same connection), so both commit or neither does.
7. Delivery claims a row by compare-and-set (`claimable → sending` with a lease), sends
   outside any transaction, then finishes by compare-and-set on the claim: `sent`,
   `retrying` (exponential backoff, a new task with `run_after`) or `failed`.
8. A lease that expires (the worker died) puts the row back to `retrying`; the backends hand
   the idempotency key to the gateway, so a message the gateway already took is not
   delivered twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.customers.choices import ConsentPurpose, ContactChannel
from gridcare.customers.selectors import ContactProfile, contact_profiles
from gridcare.notify import rendering
from gridcare.notify.channels.base import Outbound, SendResult, backend_for
from gridcare.notify.choices import (
    CLAIMABLE,
    NotificationStatus,
    SuppressionReason,
)
from gridcare.notify.models import Notification, NotificationEvent, NotificationTemplate

BEIJING = ZoneInfo("Asia/Shanghai")
S = NotificationStatus


# --- templates -------------------------------------------------------------------------------


@transaction.atomic
def template_publish(
    *,
    actor: User | None,
    code: str,
    channel: str,
    purpose: str,
    body: str,
    subject: str = "",
    urgent: bool = False,
) -> NotificationTemplate:
    """Publish version n + 1 of template (`code`, `channel`); versions are never edited."""
    if channel not in ContactChannel.values:
        raise DomainError("notify.template.bad_channel", f"未知渠道：{channel}", field="channel")
    if purpose not in ConsentPurpose.values:
        raise DomainError("notify.template.bad_purpose", f"未知用途：{purpose}", field="purpose")
    if not body.strip():
        raise DomainError("notify.template.empty", "模板正文不能为空", field="body")
    names = rendering.placeholders(subject)
    names += [n for n in rendering.placeholders(body) if n not in names]
    latest = (
        NotificationTemplate.objects.select_for_update()
        .filter(code=code, channel=channel)
        .order_by("-version")
        .first()
    )
    template = NotificationTemplate(
        code=code,
        channel=channel,
        version=(latest.version + 1) if latest else 1,
        purpose=purpose,
        urgent=urgent,
        subject=subject,
        body=body,
        variables=names,
        created_by=actor,
    )
    template.full_clean()
    template.save()
    audit_record(actor=actor, action="notify.template.publish", obj=template)
    return template


def template_current(*, code: str, channel: str) -> NotificationTemplate:
    template = (
        NotificationTemplate.objects.filter(code=code, channel=channel).order_by("-version").first()
    )
    if template is None:
        raise DomainError(
            "notify.template.not_found", f"没有模板 {code}（{channel}）", field="template"
        )
    return template


def template_render(*, template: NotificationTemplate, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) filled from `context`; `MissingVariable` names what is missing."""
    return rendering.render(template.subject, context), rendering.render(template.body, context)


# --- enqueue ---------------------------------------------------------------------------------


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
    request = MessageRequest(customer_id, idempotency_key, context, account_id)
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
        rows.append(
            _planned(
                request,
                profile,
                template,
                chosen,
                purpose or template.purpose,
                subject,
                body,
                sent_today,
                batch,
                now,
            )
        )
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


def _planned(
    request: MessageRequest,
    profile: ContactProfile,
    template: NotificationTemplate,
    chosen: str,
    purpose: str,
    subject: str,
    body: str,
    sent_today: dict[int, int],
    batch: str,
    now: datetime,
) -> Notification:
    """The new row with its first status (rules 1–4)."""
    status, reason, due = S.QUEUED, "", now
    destination = profile.addresses.get(chosen, "")
    consent = profile.consent.get(purpose)
    if (purpose == ConsentPurpose.MARKETING and consent is not True) or consent is False:
        status, reason = S.SUPPRESSED, SuppressionReason.NO_CONSENT
    elif not destination:
        status, reason = S.SUPPRESSED, SuppressionReason.NO_DESTINATION
    elif not template.urgent and sent_today.get(profile.customer_id, 0) >= (
        settings.NOTIFY_CUSTOMER_DAILY_LIMIT
    ):
        status, reason = S.SUPPRESSED, SuppressionReason.RATE_LIMITED
    elif not template.urgent and (until := _quiet_until(profile, now)) is not None:
        status, due = S.DEFERRED, until
    if status != S.SUPPRESSED and not template.urgent:
        sent_today[profile.customer_id] = sent_today.get(profile.customer_id, 0) + 1
    return Notification(
        idempotency_key=request.idempotency_key,
        customer_id=profile.customer_id,
        account_id=request.account_id,
        template=template,
        channel=chosen,
        purpose=purpose,
        urgent=template.urgent,
        context=request.context,
        subject=subject,
        body=body,
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
    from gridcare.notify.tasks import deliver_notifications_task

    size = settings.NOTIFY_TASK_BATCH
    due = [n.pk for n in notifications if n.status in (S.QUEUED, S.RETRYING)]
    for i in range(0, len(due), size):
        deliver_notifications_task.enqueue(ids=due[i : i + size])
    later: dict[datetime, list[int]] = {}
    for n in notifications:
        if n.status == S.DEFERRED and n.next_attempt_at is not None:
            later.setdefault(n.next_attempt_at, []).append(n.pk)
    for when, ids in later.items():
        for i in range(0, len(ids), size):
            deliver_notifications_task.using(run_after=when).enqueue(ids=ids[i : i + size])


# --- delivery --------------------------------------------------------------------------------


@dataclass
class DeliveryTally:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "skipped": self.skipped,
        }


def notifications_deliver(
    *, ids: Sequence[int], worker: str, now: datetime | None = None
) -> DeliveryTally:
    """Deliver the due ones of `ids` (rules 7–8); others (sent, claimed elsewhere, not yet
    due) are skipped. Returns what happened to them."""
    clock_given = now is not None
    now = now or timezone.now()
    token = f"{worker}:{uuid.uuid4().hex[:8]}"
    lease = now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    claimed = Notification.objects.filter(
        pk__in=ids, status__in=CLAIMABLE, next_attempt_at__lte=now
    ).update(status=S.SENDING, claimed_by=token, claimed_until=lease, attempts=F("attempts") + 1)
    tally = DeliveryTally(skipped=len(ids) - claimed)
    if not claimed:
        return tally
    mine = list(Notification.objects.filter(claimed_by=token, status=S.SENDING))
    # Gateways are latency-bound: send the claimed batch a few at a time, not one by one.
    with ThreadPoolExecutor(max_workers=max(1, settings.NOTIFY_SEND_CONCURRENCY)) as pool:
        results = list(pool.map(_send, mine))
    outcomes = list(zip(mine, results, strict=True))
    # Backoff counts from when the sends ended (or from the caller's clock, in tests).
    _finish(outcomes, token, now if clock_given else timezone.now(), tally)
    return tally


def _send(n: Notification) -> SendResult:
    return backend_for(n.channel).send(_outbound(n))


def _outbound(n: Notification) -> Outbound:
    return Outbound(
        key=n.idempotency_key,
        channel=n.channel,
        destination=n.destination,
        subject=n.subject,
        body=n.body,
        user_id=int(n.destination) if n.channel == ContactChannel.APP_PUSH else None,
    )


@transaction.atomic
def _finish(
    outcomes: list[tuple[Notification, SendResult]], token: str, now: datetime, tally: DeliveryTally
) -> None:
    """Record every outcome by compare-and-set on the claim, events and retry tasks with it."""
    sent = [(n, r) for n, r in outcomes if r.ok]
    retry = [
        (n, r)
        for n, r in outcomes
        if not r.ok and r.retryable and n.attempts < settings.NOTIFY_MAX_ATTEMPTS
    ]
    retry_ids = {n.pk for n, _ in retry}
    failed = [(n, r) for n, r in outcomes if not r.ok and n.pk not in retry_ids]
    events = []
    mine = Notification.objects.filter(claimed_by=token, status=S.SENDING)
    for n, result in sent:
        n.status, n.sent_at, n.provider_message_id = S.SENT, now, result.provider_id[:100]
    if sent:
        Notification.objects.bulk_update([n for n, _ in sent], ["provider_message_id"])
        tally.sent = mine.filter(pk__in=[n.pk for n, _ in sent]).update(
            status=S.SENT, sent_at=now, claimed_until=None
        )
        events += [_event(n, S.SENT, token, now, {"attempt": n.attempts}) for n, _ in sent]
    for n, result in retry:
        due = now + timedelta(seconds=settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** (n.attempts - 1))
        if mine.filter(pk=n.pk).update(
            status=S.RETRYING, next_attempt_at=due, reason=result.error[:300], claimed_until=None
        ):
            tally.retrying += 1
            n.status, n.next_attempt_at = S.RETRYING, due
            events.append(
                _event(n, S.RETRYING, token, now, {"error": result.error, "until": due.isoformat()})
            )
            _enqueue_retry(n, due)
    for n, result in failed:
        if mine.filter(pk=n.pk).update(
            status=S.FAILED, reason=result.error[:300], claimed_until=None
        ):
            tally.failed += 1
            events.append(
                _event(n, S.FAILED, token, now, {"error": result.error, "attempts": n.attempts})
            )
    NotificationEvent.objects.bulk_create(events)


def _event(
    n: Notification, to: str, worker: str, now: datetime, data: dict[str, Any]
) -> NotificationEvent:
    return NotificationEvent(
        notification=n, from_status=S.SENDING, to_status=to, at=now, worker=worker, data=data
    )


def _enqueue_retry(n: Notification, due: datetime) -> None:
    from gridcare.notify.tasks import deliver_notifications_task

    deliver_notifications_task.using(run_after=due).enqueue(ids=[n.pk])


@transaction.atomic
def notifications_recover(*, now: datetime | None = None) -> int:
    """Put back what dead workers left (rule 8) and re-enqueue messages due for longer than a
    lease that no task picked up (their task died with its worker). Returns how many."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    expired = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(status=S.SENDING, claimed_until__lt=now)
        .values_list("pk", "claimed_by")
    )
    stuck = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(status__in=CLAIMABLE, next_attempt_at__lt=now - lease)
        .values_list("pk", flat=True)
    )
    if expired:
        Notification.objects.filter(pk__in=[pk for pk, _ in expired], status=S.SENDING).update(
            status=S.RETRYING, next_attempt_at=now, claimed_until=None, reason="lease_expired"
        )
        NotificationEvent.objects.bulk_create(
            NotificationEvent(
                notification_id=pk,
                from_status=S.SENDING,
                to_status=S.RETRYING,
                at=now,
                data={"reason": "lease_expired", "claimed_by": by},
            )
            for pk, by in expired
        )
    if stuck:
        Notification.objects.filter(pk__in=stuck).update(next_attempt_at=now)
    ids = [pk for pk, _ in expired] + stuck
    if ids:
        from gridcare.notify.tasks import deliver_notifications_task

        size = settings.NOTIFY_TASK_BATCH
        for i in range(0, len(ids), size):
            deliver_notifications_task.enqueue(ids=ids[i : i + size])
    return len(ids)


def notification_mark_read(
    *, user: User, notification_id: int, now: datetime | None = None
) -> None:
    """The customer opened a portal message (only their own; a repeat changes nothing)."""
    updated = Notification.objects.filter(
        pk=notification_id,
        customer__user=user,
        channel=ContactChannel.PORTAL,
        read_at__isnull=True,
    ).update(read_at=now or timezone.now())
    if (
        not updated
        and not Notification.objects.filter(pk=notification_id, customer__user=user).exists()
    ):
        raise DomainError("notify.notification.not_found", "消息不存在")
