"""Notices to staff (SLA warnings and escalations): one console notice per user and, when
the user has a mobile, an SMS through the configured SMS channel backend (the same backend
and gateway as customer messages, keyed by the notice's idempotency key so the gateway
drops a repeat)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.customers.choices import ContactChannel
from gridcare.notify.channels.base import Outbound, backend_for
from gridcare.notify.models import StaffNotice
from gridcare.notify.queue import staff_sms_enqueue

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
SMS_MAX = 300


def _sms_text(title: str, body: str) -> str:
    return f"【GridCare】{title}：{body}"[:SMS_MAX]


@transaction.atomic
def staff_notice_send(
    *,
    users: Iterable[User],
    kind: str,
    title: str,
    body: str,
    link: str = "",
    idempotency_key: str,
) -> list[StaffNotice]:
    """Store one notice per user (the same key again changes nothing) and enqueue the SMS
    of those with a mobile, in the caller's transaction. Returns the notices, new or old."""
    wanted = {u.pk: u for u in users if u.is_active and not u.is_customer}
    keys = {f"{idempotency_key}:u{pk}": pk for pk in wanted}
    existing = set(
        StaffNotice.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    new = [
        StaffNotice(
            user=wanted[pk],
            kind=kind,
            title=title[:200],
            body=body,
            link=link,
            idempotency_key=key,
            sms_to=wanted[pk].mobile,
            sms_status=PENDING if wanted[pk].mobile else "",
        )
        for key, pk in keys.items()
        if key not in existing
    ]
    StaffNotice.objects.bulk_create(new, ignore_conflicts=True)
    notices = list(StaffNotice.objects.filter(idempotency_key__in=keys))
    created = {n.idempotency_key for n in new}
    staff_sms_enqueue(
        [n.pk for n in notices if n.idempotency_key in created and n.sms_status == PENDING]
    )
    return notices


def staff_sms_deliver(*, ids: Sequence[int], now: datetime | None = None) -> int:
    """Send the pending SMS of these notices: claimed by compare-and-set, sent outside any
    transaction, finished by compare-and-set; a retryable failure is tried again later (up
    to NOTIFY_MAX_ATTEMPTS). Returns how many went out."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    claimable = StaffNotice.objects.filter(pk__in=ids, sms_status=PENDING)
    mine = list(claimable.values_list("pk", flat=True))
    sent = 0
    for pk in mine:
        if not StaffNotice.objects.filter(pk=pk, sms_status=PENDING).update(
            sms_status=SENDING, sms_claimed_until=lease, sms_attempts=F("sms_attempts") + 1
        ):
            continue  # another worker took it
        notice = StaffNotice.objects.get(pk=pk)
        result = backend_for(ContactChannel.SMS).send(
            Outbound(
                key=notice.idempotency_key,
                channel=ContactChannel.SMS,
                destination=notice.sms_to,
                subject=notice.title,
                body=_sms_text(notice.title, notice.body),
            )
        )
        claimed = StaffNotice.objects.filter(pk=pk, sms_status=SENDING)
        if result.ok:
            sent += claimed.update(sms_status=SENT, sms_sent_at=timezone.now(), sms_error="")
        elif result.retryable and notice.sms_attempts < settings.NOTIFY_MAX_ATTEMPTS:
            due = timezone.now() + timedelta(
                seconds=settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** (notice.sms_attempts - 1)
            )
            with transaction.atomic():
                if claimed.update(sms_status=PENDING, sms_error=result.error[:300]):
                    staff_sms_enqueue([pk], run_after=due)
        else:
            claimed.update(sms_status=FAILED, sms_error=result.error[:300])
    return sent


@transaction.atomic
def staff_sms_recover(*, now: datetime | None = None) -> int:
    """Put back SMS a dead worker left `sending` past its lease, and send them again (the
    gateway recognises the key of one it already took). Returns how many."""
    now = now or timezone.now()
    stuck = list(
        StaffNotice.objects.filter(sms_status=SENDING, sms_claimed_until__lt=now).values_list(
            "pk", flat=True
        )
    )
    if stuck:
        StaffNotice.objects.filter(pk__in=stuck, sms_status=SENDING).update(sms_status=PENDING)
        staff_sms_enqueue(stuck)
    return len(stuck)


def staff_notice_mark_read(*, user: User, notice_id: int, now: datetime | None = None) -> None:
    """The staff member opened their notice (a repeat changes nothing; anyone else's is a
    NotFound)."""
    mine = StaffNotice.objects.filter(pk=notice_id, user=user)
    if not mine.exists():
        raise NotFound("notify.staff_notice.not_found", "通知不存在")
    mine.filter(read_at__isnull=True).update(read_at=now or timezone.now())
