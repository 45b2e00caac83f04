"""Reads of notifications for pages (the portal message centre)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gridcare.core.models import User
from gridcare.customers.choices import ContactChannel
from gridcare.customers.selectors import customers_visible_to
from gridcare.notify.choices import NotificationStatus
from gridcare.notify.models import (
    GatewayReceipt,
    Notification,
    NotificationTemplate,
    StaffNotice,
)


def portal_messages_for(*, user: User) -> QuerySet[Notification]:
    """The portal inbox of a login: messages delivered to it, newest first."""
    return Notification.objects.filter(
        channel=ContactChannel.PORTAL, destination=str(user.pk), status=NotificationStatus.SENT
    ).order_by("-sent_at", "-id")


def notifications_search(
    *, user: User, q: str = "", status: str = "", channel: str = ""
) -> QuerySet[Notification]:
    """The notification log of the reader's area: by customer mobile, 户号, idempotency key
    or batch (`q`), status and channel; newest first."""
    found = Notification.objects.filter(customer__in=customers_visible_to(user)).select_related(
        "customer", "template"
    )
    q = q.strip()
    if q:
        found = found.filter(
            Q(customer__mobile=q)
            | Q(customer__accounts__number=q)
            | Q(idempotency_key__startswith=q)
            | Q(batch=q)
        ).distinct()
    if status:
        found = found.filter(status=status)
    if channel:
        found = found.filter(channel=channel)
    return found.order_by("-created_at", "-id")


def templates_current() -> list[NotificationTemplate]:
    """The newest version of every (code, channel) template."""
    newest: dict[tuple[str, str], NotificationTemplate] = {}
    for template in NotificationTemplate.objects.order_by("code", "channel", "-version"):
        newest.setdefault((template.code, template.channel), template)
    return list(newest.values())


def portal_messages_unread_count(*, user: User) -> int:
    """How many portal inbox messages of a login are not yet read (the home tile's badge)."""
    return portal_messages_for(user=user).filter(read_at__isnull=True).count()


def fake_gateway_latest(*, channel: str, to: str) -> str | None:
    """The newest text the local fake gateway received for an address (the demo shows a
    simulated verification code from here)."""
    receipt = GatewayReceipt.objects.filter(channel=channel, to=to).first()
    return receipt.body if receipt else None


def staff_notices_for(*, user: User, unread_only: bool = False) -> QuerySet[StaffNotice]:
    """A staff member's console notices (SLA warnings, escalations), newest first."""
    found = StaffNotice.objects.filter(user=user)
    return found.filter(read_at__isnull=True) if unread_only else found
