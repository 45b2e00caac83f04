"""Proactive notices of unplanned outages: one message per affected customer on their
preferred channel when the outage is detected (or reaches them as it grows; a customer
with several accounts in it hears once, naming them), then one per account when its own
supply is back.

Through notify's `notifications_enqueue` (one call per template, bulk), which picks the
channel from the customer's preferences and applies consent and quiet hours: the detected
notice is an urgent template, so quiet hours yield. Idempotency keys
`outage:<number>:<account number>:detected` / `:restored` make a rerun send nothing twice;
`OutageCustomer.notified_at` / `restored_notified_at` say it was done. Customer-level
records (a possible fault behind the meter) send nothing: the network is not out.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from gridcare.notify.services import MessageRequest, notifications_enqueue
from gridcare.outages.choices import OutageEventKind, OutageLevel
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.notice_templates import DETECTED, RESTORED
from gridcare.outages.services.records import outage_event_add

TIME_FORMAT = "%m月%d日%H:%M"


def outage_notices_send(*, outage: Outage, now: datetime) -> tuple[int, int]:
    """Send what is due for `outage`; returns (detected notices, restoration notices)."""
    if outage.level == OutageLevel.CUSTOMER:
        return 0, 0
    detected = _detected(outage, now)
    restored = _restored(outage, now)
    if detected:
        outage_event_add(
            outage=outage,
            kind=OutageEventKind.CUSTOMERS_NOTIFIED,
            at=now,
            data={"template": DETECTED, "count": detected},
        )
    return detected, restored


def _beijing(moment: datetime) -> str:
    return timezone.localtime(moment).strftime(TIME_FORMAT)


def _scope_name(outage: Outage) -> str:
    if outage.level == OutageLevel.FEEDER and outage.feeder is not None:
        return f"{outage.feeder.name}供电区域"
    return outage.transformer.name if outage.transformer is not None else "供电区域"


def _detected(outage: Outage, now: datetime) -> int:
    """One message per customer (a customer with two accounts in the outage hears once,
    naming both), keyed by the first account."""
    due = list(
        OutageCustomer.objects.filter(
            outage=outage, notified_at__isnull=True, on_at__isnull=True, removed_at__isnull=True
        )
        .select_related("account")
        .order_by("account__number")
    )
    if not due:
        return 0
    by_customer: dict[int, list[OutageCustomer]] = {}
    for link in due:
        by_customer.setdefault(link.account.customer_id, []).append(link)
    scope = _scope_name(outage)
    etr = _beijing(outage.etr_at) if outage.etr_at else "尽快"
    requests = [
        MessageRequest(
            customer_id=customer_id,
            account_id=links[0].account_id,
            idempotency_key=f"outage:{outage.number}:{links[0].account.number}:detected",
            context={
                "account": "、".join(link.account.number for link in links),
                "scope": scope,
                "start": _beijing(min(link.off_at for link in links)),
                "number": outage.number,
                "etr": etr,
            },
        )
        for customer_id, links in by_customer.items()
    ]
    notifications_enqueue(
        actor=None, requests=requests, template_code=DETECTED, batch=outage.number, now=now
    )
    OutageCustomer.objects.filter(pk__in=[link.pk for link in due]).update(notified_at=now)
    return len(requests)


def _restored(outage: Outage, now: datetime) -> int:
    """Restoration notices for customers who were told of the outage and are back."""
    due = list(
        OutageCustomer.objects.filter(
            outage=outage,
            notified_at__isnull=False,
            on_at__isnull=False,
            restored_notified_at__isnull=True,
            removed_at__isnull=True,
        ).select_related("account")
    )
    if not due:
        return 0
    requests = [
        MessageRequest(
            customer_id=link.account.customer_id,
            account_id=link.account_id,
            idempotency_key=f"outage:{outage.number}:{link.account.number}:restored",
            context={
                "account": link.account.number,
                "on_at": _beijing(link.on_at) if link.on_at else "",
                "number": outage.number,
            },
        )
        for link in due
    ]
    notifications_enqueue(
        actor=None, requests=requests, template_code=RESTORED, batch=outage.number, now=now
    )
    OutageCustomer.objects.filter(pk__in=[link.pk for link in due]).update(restored_notified_at=now)
    return len(due)
