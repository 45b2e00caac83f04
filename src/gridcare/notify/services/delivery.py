"""Delivering notifications exactly once: rules 7–8 of the package docstring."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gridcare.customers.choices import ContactChannel, InteractionChannel, InteractionDirection
from gridcare.customers.services import interactions_record_many
from gridcare.notify.channels.base import Outbound, SendResult, backend_for
from gridcare.notify.channels.limits import wait_for_gateway
from gridcare.notify.choices import CLAIMABLE, NotificationStatus
from gridcare.notify.models import Notification, NotificationEvent
from gridcare.notify.queue import delivery_enqueue

S = NotificationStatus


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
    wait_for_gateway(n.channel)
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
        interactions_record_many(entries=[_timeline_entry(n, now) for n, _ in sent])
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


#: Notification channel → timeline channel.
TIMELINE_CHANNEL = {
    ContactChannel.SMS: InteractionChannel.SMS,
    ContactChannel.WECHAT: InteractionChannel.WECHAT,
    ContactChannel.EMAIL: InteractionChannel.EMAIL,
    ContactChannel.PORTAL: InteractionChannel.PORTAL,
    ContactChannel.APP_PUSH: InteractionChannel.APP,
}


def _timeline_entry(n: Notification, now: datetime) -> dict[str, Any]:
    """A sent notification on the customer's timeline (one per message, by its key)."""
    return {
        "customer_id": n.customer_id,
        "account_id": n.account_id,
        "channel": TIMELINE_CHANNEL[ContactChannel(n.channel)],
        "direction": InteractionDirection.OUTBOUND,
        "occurred_at": now,
        "summary": (n.subject or n.body)[:200],
        "body": n.body,
        "links": {"notification": n.pk},
        "external_id": f"notify:{n.idempotency_key}"[:128],
        "data": {"purpose": n.purpose, "template": n.template_id},
    }


def _enqueue_retry(n: Notification, due: datetime) -> None:
    delivery_enqueue([n.pk], run_after=due)


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
    delivery_enqueue(ids)
    return len(ids)
