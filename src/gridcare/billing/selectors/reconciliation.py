"""The reconciliation list: callbacks that reported money no order explains, for staff
with RECONCILE_PAYMENTS (everyone else reads an empty list; a single record outside it is
"not found"). Callbacks are not scoped by org unit: an unknown order has no account."""

from __future__ import annotations

from django.db.models import QuerySet

from gridcare.billing.choices import FORGED_VERDICTS, RECONCILE_VERDICTS
from gridcare.billing.models import CallbackRecord
from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.core.roles import RECONCILE_PAYMENTS


def _may_reconcile(user: User) -> bool:
    return user.is_authenticated and not user.is_customer and user.has_perm(RECONCILE_PAYMENTS)


def callbacks_to_reconcile(
    *, user: User, include_resolved: bool = False
) -> QuerySet[CallbackRecord]:
    """Listed callbacks, newest first (unresolved only unless `include_resolved`)."""
    if not _may_reconcile(user):
        return CallbackRecord.objects.none()
    records = CallbackRecord.objects.filter(verdict__in=RECONCILE_VERDICTS).select_related(
        "payment", "payment__account", "resolved_by"
    )
    if not include_resolved:
        records = records.filter(resolved_at__isnull=True)
    return records.order_by("-received_at", "-id")


def callback_for_reconcile(*, user: User, record_id: int) -> CallbackRecord:
    found = callbacks_to_reconcile(user=user, include_resolved=True).filter(pk=record_id).first()
    if found is None:
        raise NotFound("billing.callback.not_found", "没有这条待对账的回调")
    return found


def callbacks_refused(*, user: User) -> QuerySet[CallbackRecord]:
    """Callbacks refused as forged or replayed (their audit entries say from where)."""
    if not _may_reconcile(user):
        return CallbackRecord.objects.none()
    return CallbackRecord.objects.filter(verdict__in=FORGED_VERDICTS).order_by(
        "-received_at", "-id"
    )
