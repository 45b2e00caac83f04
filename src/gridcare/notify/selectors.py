"""Reads of notifications for pages (the portal message centre)."""

from __future__ import annotations

from django.db.models import QuerySet

from gridcare.core.models import User
from gridcare.customers.choices import ContactChannel
from gridcare.notify.choices import NotificationStatus
from gridcare.notify.models import Notification


def portal_messages_for(*, user: User) -> QuerySet[Notification]:
    """The portal inbox of a login: messages delivered to it, newest first."""
    return Notification.objects.filter(
        channel=ContactChannel.PORTAL, destination=str(user.pk), status=NotificationStatus.SENT
    ).order_by("-sent_at", "-id")


def portal_unread_count(*, user: User) -> int:
    return portal_messages_for(user=user).filter(read_at__isnull=True).count()
