"""Planned outages (预安排停电): draft → published → active → restored, or cancelled.

- A draft names its scope (feeders, 台区 or accounts), window, reason and type; the
  affected accounts are computed from the topology (selectors.planned) and previewed.
- Publishing enforces the notice rules (engine.notice_rules): too short a notice is refused
  unless the publisher holds `outages.override_notice` and gives a reason — the override
  is audited (core.audit) and written as an OutageEvent. Publishing writes one
  OutageCustomer row per affected account (off_at = the window's start) and tells them.
- The periodic job (services.planned_schedule) reminds, starts and ends them.
- A dispatcher marks one restored (its rows get on_at), or cancels a draft / a published
  one (its customers are told).
Every change is one transaction with its OutageEvent row; a stale `version` is a 409.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import ConcurrentChange, DomainError, PermissionDeniedError
from gridcare.core.models import User
from gridcare.core.roles import OVERRIDE_OUTAGE_NOTICE
from gridcare.outages.choices import OutageEventKind, OutageKind, OutageState
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.selectors.planned import affected_accounts, affected_preview, scope_of
from gridcare.outages.services import planned_notices
from gridcare.outages.services.planned_input import (
    REASON_MAX,
    PlannedInput,
    check_input,
    outage_fields,
    placement,
    scope_write,
    summary,
)
from gridcare.outages.services.records import (
    outage_customers_told,
    outage_event_add,
    outage_insert,
)


@transaction.atomic
def planned_create(*, actor: User, data: PlannedInput, now: datetime | None = None) -> Outage:
    now = now or timezone.now()
    check_input(data, now)
    accounts = affected_accounts(data.scope)
    outage = outage_insert(
        actor=actor,
        kind=OutageKind.PLANNED,
        state=OutageState.DRAFT,
        affected_count=len(accounts),
        created_at=now,
        **placement(data.scope, accounts),
        **outage_fields(data),
    )
    scope_write(outage, data.scope)
    outage_event_add(
        outage=outage,
        kind=OutageEventKind.CREATED,
        actor=actor,
        data=summary(data, len(accounts)),
        at=now,
    )
    return outage


def _locked(outage: Outage, version: int | None = None) -> Outage:
    fresh = Outage.objects.select_for_update().get(pk=outage.pk)
    if version is not None and fresh.version != version:
        raise ConcurrentChange("outages.planned.stale", "该停电已被他人修改，请刷新后重试")
    return fresh


def _require_state(outage: Outage, *states: str, message: str) -> None:
    if outage.state not in states:
        raise DomainError("outages.planned.bad_state", message, field="state")


@transaction.atomic
def planned_update(
    *, actor: User, outage: Outage, data: PlannedInput, version: int, now: datetime | None = None
) -> Outage:
    """Change a draft (published outages are cancelled and planned again: their customers
    were already told the old window)."""
    now = now or timezone.now()
    outage = _locked(outage, version)
    _require_state(outage, OutageState.DRAFT, message="只有草稿可以修改")
    check_input(data, now)
    accounts = affected_accounts(data.scope)
    for name, value in {**placement(data.scope, accounts), **outage_fields(data)}.items():
        setattr(outage, name, value)
    outage.affected_count = len(accounts)
    outage.version += 1
    outage.save()
    scope_write(outage, data.scope)
    outage_event_add(
        outage=outage,
        kind=OutageEventKind.SCOPE_CHANGED,
        actor=actor,
        data=summary(data, len(accounts)),
        at=now,
    )
    return outage


def _override(
    *,
    actor: User,
    outage: Outage,
    reason: str,
    check_data: dict[str, object],
    ip: str | None,
    now: datetime,
) -> None:
    if not actor.has_perm(OVERRIDE_OUTAGE_NOTICE):
        raise PermissionDeniedError(
            "outages.planned.override_denied", "您没有越权发布（通知期不足）的权限"
        )
    outage.notice_override = f"{actor.get_username()}: {reason}"[:REASON_MAX]
    data = {**check_data, "reason": reason}
    audit_record(
        actor=actor, action="outages.planned.notice_override", obj=outage, ip=ip, data=data
    )
    outage_event_add(
        outage=outage, kind=OutageEventKind.NOTICE_OVERRIDE, actor=actor, data=data, at=now
    )


@transaction.atomic
def planned_publish(
    *,
    actor: User,
    outage: Outage,
    override_reason: str = "",
    version: int | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Outage:
    """Announce a draft: the notice rule, the per-customer rows, the notices."""
    now = now or timezone.now()
    outage = _locked(outage, version)
    _require_state(outage, OutageState.DRAFT, message="只有草稿可以发布")
    if outage.starts_at <= now:
        raise DomainError(
            "outages.planned.starts_in_past", "停电开始时间已过，请修改后再发布", field="starts_at"
        )
    scope = scope_of(outage)
    preview = affected_preview(
        scope=scope, planned_type=outage.planned_type, starts_at=outage.starts_at, now=now
    )
    if not preview.accounts:
        raise DomainError("outages.planned.nobody_affected", "停电范围内没有用户", field="scope")
    check = preview.notice
    assert check is not None
    check_data = {
        "rule": check.rule,
        "required_hours": check.required_hours,
        "lead_hours": round(check.lead_hours, 2),
    }
    override_reason = override_reason.strip()
    if not check.met:
        if not override_reason:
            raise DomainError(
                "outages.planned.notice_too_short",
                f"通知期不足：须提前 {check.required_hours:g} 小时通知，距停电开始仅 {check.lead_hours:.1f} 小时；如确需发布，请填写越权发布原因",
                field="override_reason",
            )
        _override(
            actor=actor,
            outage=outage,
            reason=override_reason[:REASON_MAX],
            check_data=check_data,
            ip=ip,
            now=now,
        )
    OutageCustomer.objects.bulk_create(
        [
            OutageCustomer(
                outage=outage,
                account_id=a.account_id,
                transformer_id=a.transformer_id,
                feeder_id=a.feeder_id,
                off_at=outage.starts_at,
            )
            for a in preview.accounts
        ]
    )
    outage.state = OutageState.PUBLISHED
    outage.published_at = now
    outage.affected_count = preview.count
    outage.version += 1
    outage.save()
    outage_event_add(
        outage=outage,
        kind=OutageEventKind.PUBLISHED,
        actor=actor,
        data={"affected": preview.count, **check_data},
        at=now,
    )
    sent = planned_notices.notices_published(actor=actor, outage=outage, now=now)
    outage_customers_told(outage=outage, what="planned", messages=sent, at=now, actor=actor)
    return outage


@transaction.atomic
def planned_cancel(
    *,
    actor: User,
    outage: Outage,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Outage:
    now = now or timezone.now()
    outage = _locked(outage, version)
    _require_state(
        outage, OutageState.DRAFT, OutageState.PUBLISHED, message="已开始或已结束的停电不能取消"
    )
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise DomainError(
            "outages.planned.bad_reason", "请填写取消原因（最多 200 字）", field="reason"
        )
    was_published = outage.state == OutageState.PUBLISHED
    outage.state = OutageState.CANCELLED
    outage.version += 1
    outage.save()
    outage_event_add(
        outage=outage, kind=OutageEventKind.CANCELLED, actor=actor, data={"reason": reason}, at=now
    )
    if was_published:
        sent = planned_notices.notices_cancelled(actor=actor, outage=outage, reason=reason, now=now)
        outage_customers_told(outage=outage, what="cancelled", messages=sent, at=now, actor=actor)
    return outage


def planned_start(*, outage: Outage, now: datetime) -> Outage:
    """Published → active at its start (called by the periodic job, in its transaction)."""
    outage.state = OutageState.ACTIVE
    outage.version += 1
    outage.save(update_fields=["state", "version"])
    outage_event_add(outage=outage, kind=OutageEventKind.STARTED, data={}, at=outage.starts_at)
    return outage


@transaction.atomic
def planned_restore(
    *,
    actor: User | None,
    outage: Outage,
    at: datetime | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Outage:
    """Supply is back (a dispatcher says so, or the window has passed): every customer
    still off gets on_at, and hears it."""
    now = now or timezone.now()
    at = at or now
    outage = _locked(outage, version)
    if outage.state == OutageState.PUBLISHED and outage.starts_at <= now:
        planned_start(outage=outage, now=now)  # the job had not started it yet
    _require_state(outage, OutageState.ACTIVE, message="只有进行中的停电可以恢复送电")
    if not outage.starts_at <= at <= now:
        raise DomainError(
            "outages.planned.bad_restored_at",
            "恢复送电时间须在停电开始之后、现在之前",
            field="restored_at",
        )
    outage.state = OutageState.RESTORED
    outage.restored_at = at
    outage.version += 1
    outage.save()
    outage.customers.filter(on_at__isnull=True, removed_at__isnull=True).update(on_at=at)
    outage_event_add(
        outage=outage,
        kind=OutageEventKind.RESTORED,
        actor=actor,
        data={"restored_at": at.isoformat()},
        at=now,
    )
    sent = planned_notices.notices_restored(actor=actor, outage=outage, now=now)
    outage_customers_told(outage=outage, what="restored", messages=sent, at=now, actor=actor)
    return outage
