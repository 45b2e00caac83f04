"""The portal message centre."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.customers.choices import ContactChannel
from gridcare.notify.models import Notification


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
