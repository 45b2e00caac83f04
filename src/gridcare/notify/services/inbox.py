"""The portal message centre."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.customers.choices import ContactChannel
from gridcare.notify.models import Notification


def notification_mark_read(
    *, user: User, notification_id: int, now: datetime | None = None
) -> None:
    """The customer opened a portal message: only one delivered to their own login (a
    repeat changes nothing; anyone else's is a NotFound)."""
    mine = Notification.objects.filter(
        pk=notification_id, channel=ContactChannel.PORTAL, destination=str(user.pk)
    )
    if not mine.exists():
        raise NotFound("notify.notification.not_found", "消息不存在")
    mine.filter(read_at__isnull=True).update(read_at=now or timezone.now())
