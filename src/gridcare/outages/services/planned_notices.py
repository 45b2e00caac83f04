"""The customer notices of a planned outage, through notify: one message per affected
account on the customer's preferred channel, keyed `outage:<number>:<account>:<what>` so a
retry, a second tick or a second click never sends twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from gridcare.core.models import User
from gridcare.notify.services import MessageRequest, notifications_enqueue
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.planned_templates import CANCELLED, PUBLISHED, REMINDER, RESTORED

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(moment: datetime | None) -> str:
    return timezone.localtime(moment, BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


def outage_window_text(outage: Outage) -> str:
    """ "2026-12-15 08:00至17:00" (the end's date only when it differs)."""
    start = timezone.localtime(outage.starts_at, BEIJING)
    if outage.ends_at is None:
        return f"{start:%Y-%m-%d %H:%M}起"
    end = timezone.localtime(outage.ends_at, BEIJING)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}至{end_text}"


def outage_area_text(outage: Outage) -> str:
    """The names of the scope, as a customer knows them (the 台区 or the line)."""
    names = []
    for item in outage.scope_items.select_related("feeder", "transformer"):
        if item.feeder is not None:
            names.append(item.feeder.name)
        elif item.transformer is not None:
            names.append(item.transformer.name)
    if not names:
        return "您所在区域"
    return "、".join(names[:3]) + ("等" if len(names) > 3 else "")


def _send(
    *,
    actor: User | None,
    outage: Outage,
    links: Sequence[OutageCustomer],
    template: str,
    what: str,
    extra: dict[str, str] | None = None,
    now: datetime | None = None,
) -> int:
    base = {
        "number": outage.number,
        "window": outage_window_text(outage),
        "area": outage_area_text(outage),
        "reason": outage.reason or "电网检修",
        **(extra or {}),
    }
    requests = [
        MessageRequest(
            customer_id=link.account.customer_id,
            idempotency_key=f"outage:{outage.number}:{link.account.number}:{what}",
            context={**base, "account": link.account.number},
            account_id=link.account_id,
        )
        for link in links
    ]
    if not requests:
        return 0
    result = notifications_enqueue(
        actor=actor,
        requests=requests,
        template_code=template,
        batch=f"outage:{outage.number}",
        now=now,
    )
    return len(result.created)


def _links(outage: Outage) -> list[OutageCustomer]:
    return list(
        outage.customers.filter(removed_at__isnull=True).select_related("account").order_by("id")
    )


def notices_published(*, actor: User | None, outage: Outage, now: datetime) -> int:
    links = _links(outage)
    sent = _send(
        actor=actor, outage=outage, links=links, template=PUBLISHED, what="planned", now=now
    )
    outage.customers.filter(pk__in=[link.pk for link in links]).update(notified_at=now)
    return sent


def notices_reminder(*, outage: Outage, hours: int, now: datetime) -> int:
    return _send(
        actor=None,
        outage=outage,
        links=_links(outage),
        template=REMINDER,
        what=f"reminder{hours}h",
        now=now,
    )


def notices_restored(*, actor: User | None, outage: Outage, now: datetime) -> int:
    links = _links(outage)
    extra = {"restored_at": beijing(outage.restored_at)}
    sent = _send(
        actor=actor,
        outage=outage,
        links=links,
        template=RESTORED,
        what="restored",
        extra=extra,
        now=now,
    )
    outage.customers.filter(pk__in=[link.pk for link in links]).update(restored_notified_at=now)
    return sent


def notices_cancelled(*, actor: User | None, outage: Outage, reason: str, now: datetime) -> int:
    # Only the customers who were told of it hear it is off.
    links = [link for link in _links(outage) if link.notified_at is not None]
    return _send(
        actor=actor,
        outage=outage,
        links=links,
        template=CANCELLED,
        what="cancelled",
        extra={"cancel_reason": reason},
        now=now,
    )
