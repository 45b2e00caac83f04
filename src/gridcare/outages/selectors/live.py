"""What is off now: the outage banner of the customer 360, the inbox and the portal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from gridcare.outages.choices import OutageState
from gridcare.outages.models import Outage, OutageCustomer


@dataclass(frozen=True)
class OutageBanner:
    """One outage an account is in, as a banner shows it."""

    number: str
    kind: str
    level: str
    state: str
    starts_at: datetime
    ends_at: datetime | None
    etr_at: datetime | None
    cause: str
    reason: str
    affected_count: int
    feeder_name: str
    transformer_name: str


def _banner(outage: Outage) -> OutageBanner:
    return OutageBanner(
        number=outage.number,
        kind=outage.kind,
        level=outage.level,
        state=outage.state,
        starts_at=outage.starts_at,
        ends_at=outage.ends_at,
        etr_at=outage.etr_at,
        cause=outage.cause,
        reason=outage.reason,
        affected_count=outage.affected_count,
        feeder_name=outage.feeder.name if outage.feeder else "",
        transformer_name=outage.transformer.name if outage.transformer else "",
    )


def outages_active_for_accounts(*, account_ids: Iterable[int]) -> dict[int, OutageBanner]:
    """account id → the active outage it is still off in (the earliest started, if two)."""
    links = (
        OutageCustomer.objects.filter(
            account_id__in=list(account_ids),
            outage__state=OutageState.ACTIVE,
            on_at__isnull=True,
            removed_at__isnull=True,
        )
        .select_related("outage__feeder", "outage__transformer")
        .order_by("outage__starts_at", "outage_id")
    )
    found: dict[int, OutageBanner] = {}
    for link in links:
        found.setdefault(link.account_id, _banner(link.outage))
    return found


def outage_banner(*, number: str) -> OutageBanner | None:
    outage = Outage.objects.select_related("feeder", "transformer").filter(number=number).first()
    return _banner(outage) if outage else None


def outages_active(*, org_unit_paths: Iterable[str] | None = None) -> list[Outage]:
    """Active outages, newest first; within the given org-unit subtrees when given."""
    query = Outage.objects.filter(state=OutageState.ACTIVE).select_related(
        "feeder", "transformer", "substation", "org_unit"
    )
    if org_unit_paths is not None:
        scope = Q()
        for path in org_unit_paths:
            scope |= Q(org_unit__path__startswith=path)
        query = query.filter(scope) if scope else query.none()
    return list(query.order_by("-starts_at", "-id"))
