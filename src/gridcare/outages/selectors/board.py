"""The console's live outage board and outage page: outages within the reader's scope,
each drawn on the topology substation → feeder → 台区 with its affected counts.

Scope: staff see an outage when its org unit is within their subtree, or when it reaches
an account supplied by a unit within it (a feeder trip recorded at the bureau still shows
on the board of each station whose customers are off). Outside that it does not exist (404).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.core.selectors import org_units_in_scope
from gridcare.grid.models import Transformer
from gridcare.outages.choices import OutageKind, OutageLevel, OutageState
from gridcare.outages.models import Outage, OutageCustomer, OutageEvent
from gridcare.outages.selectors.search import STATE_LABELS

#: Published planned outages starting within this many hours join the board as "coming up".
UPCOMING_HOURS = 24
#: The outage page lists this many affected accounts (the rest are counted).
CUSTOMERS_SHOWN = 200


def outages_visible_to(user: User) -> QuerySet[Outage]:
    """Every outage the staff user may read (none for customers)."""
    if not user.is_authenticated or user.is_customer or not user.has_perm("outages.view_outage"):
        return Outage.objects.none()
    scope = org_units_in_scope(user)
    reaches_scope = OutageCustomer.objects.filter(
        outage=OuterRef("pk"), account__supply_unit__in=scope
    )
    return Outage.objects.filter(Q(org_unit__in=scope) | Exists(reaches_scope))


@dataclass
class AreaNode:
    """A 台区 of a feeder on the drawing: `total` accounts of it in the outage, `off` still
    without supply (0 and 0: a neighbour outside the scope, drawn for context)."""

    code: str
    name: str
    total: int = 0
    off: int = 0

    @property
    def status(self) -> str:
        if self.total == 0:
            return "outside"
        if self.off == 0:
            return "restored"
        return "off" if self.off == self.total else "partial"


@dataclass
class FeederNode:
    code: str
    name: str
    areas: list[AreaNode] = field(default_factory=list)

    @property
    def off(self) -> int:
        return sum(area.off for area in self.areas)

    @property
    def total(self) -> int:
        return sum(area.total for area in self.areas)


@dataclass
class SubstationNode:
    name: str
    feeders: list[FeederNode] = field(default_factory=list)


@dataclass
class BoardOutage:
    outage: Outage
    tree: list[SubstationNode]
    off: int  # accounts still without supply
    total: int  # accounts in the scope
    minutes_out: int  # since the start (to the restoration once restored)
    linked_calls: int = 0  # filled by the console from the service app

    @property
    def restored(self) -> int:
        return self.total - self.off

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.outage.state, self.outage.state))


def _counts(outage_ids: list[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """outage id → transformer id → (accounts in scope, accounts still off)."""
    rows = (
        OutageCustomer.objects.filter(outage_id__in=outage_ids, removed_at__isnull=True)
        .values("outage_id", "transformer_id")
        .annotate(total=Count("pk"), off=Count("pk", filter=Q(on_at__isnull=True)))
    )
    counts: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        counts[row["outage_id"]][row["transformer_id"]] = (row["total"], row["off"])
    return counts


def _feeder_ids(
    outage: Outage, areas: dict[int, tuple[int, int]], feeder_of: dict[int, int]
) -> set[int]:
    ids = {feeder_of[transformer_id] for transformer_id in areas if transformer_id in feeder_of}
    if outage.feeder_id:
        ids.add(outage.feeder_id)
    return ids


def _trees(
    outages: list[Outage], counts: dict[int, dict[int, tuple[int, int]]]
) -> dict[int, list[SubstationNode]]:
    """Each outage's drawing: every 台区 of the feeders it touches, in scope or not."""
    affected_transformers = {tid for per in counts.values() for tid in per}
    feeder_ids = set(
        Transformer.objects.filter(pk__in=affected_transformers).values_list("feeder_id", flat=True)
    ) | {o.feeder_id for o in outages if o.feeder_id}
    transformers = list(
        Transformer.objects.filter(feeder_id__in=feeder_ids)
        .select_related("feeder__substation")
        .order_by("feeder__substation__name", "feeder__code", "code")
    )
    feeder_of = {t.pk: t.feeder_id for t in transformers}
    trees: dict[int, list[SubstationNode]] = {}
    for outage in outages:
        areas = counts.get(outage.pk, {})
        wanted = _feeder_ids(outage, areas, feeder_of)
        stations: dict[str, SubstationNode] = {}
        feeders: dict[int, FeederNode] = {}
        for transformer in transformers:
            if transformer.feeder_id not in wanted:
                continue
            feeder = transformer.feeder
            station = stations.setdefault(
                feeder.substation.name, SubstationNode(name=feeder.substation.name)
            )
            if feeder.pk not in feeders:
                feeders[feeder.pk] = FeederNode(code=feeder.code, name=feeder.name)
                station.feeders.append(feeders[feeder.pk])
            total, off = areas.get(transformer.pk, (0, 0))
            node = AreaNode(code=transformer.code, name=transformer.name, total=total, off=off)
            feeders[feeder.pk].areas.append(node)
        trees[outage.pk] = list(stations.values())
    return trees


def _minutes_out(outage: Outage, now: datetime) -> int:
    until = outage.restored_at or now
    return max(0, int((until - outage.starts_at).total_seconds() // 60))


def board_outages_of(outages: list[Outage], *, now: datetime) -> list[BoardOutage]:
    counts = _counts([o.pk for o in outages])
    trees = _trees(outages, counts)
    board = []
    for outage in outages:
        per_area = counts.get(outage.pk, {}).values()
        board.append(
            BoardOutage(
                outage=outage,
                tree=trees[outage.pk],
                off=sum(off for _total, off in per_area),
                total=sum(total for total, _off in per_area),
                minutes_out=_minutes_out(outage, now),
            )
        )
    return board


@dataclass(frozen=True)
class Board:
    active: list[BoardOutage]
    upcoming: list[BoardOutage]
    customer_faults: int  # single-customer records open now (possible customer-side faults)
    off_total: int


def outage_board(*, user: User, now: datetime | None = None) -> Board:
    """What is off now within the reader's scope (feeder and 台区 outages, longest first),
    and the planned outages starting within UPCOMING_HOURS."""
    moment = now or timezone.now()
    visible = outages_visible_to(user).select_related("feeder", "transformer", "substation")
    active = list(
        visible.filter(state=OutageState.ACTIVE)
        .exclude(level=OutageLevel.CUSTOMER)
        .order_by("starts_at", "pk")
    )
    upcoming = list(
        visible.filter(
            state=OutageState.PUBLISHED,
            starts_at__lte=moment + timedelta(hours=UPCOMING_HOURS),
        ).order_by("starts_at", "pk")
    )
    board_active = board_outages_of(active, now=moment)
    faults = visible.filter(state=OutageState.ACTIVE, level=OutageLevel.CUSTOMER).count()
    return Board(
        active=board_active,
        upcoming=board_outages_of(upcoming, now=moment),
        customer_faults=faults,
        off_total=sum(item.off for item in board_active),
    )


@dataclass(frozen=True)
class BoardSummary:
    active: int  # feeder and 台区 outages in progress
    off: int  # accounts still without supply in them


def outage_board_summary(*, user: User) -> BoardSummary:
    """The workbench card: two counts, without drawing anything."""
    active = (
        outages_visible_to(user)
        .filter(state=OutageState.ACTIVE)
        .exclude(level=OutageLevel.CUSTOMER)
        .values("pk")
    )
    off = OutageCustomer.objects.filter(
        outage__in=active, on_at__isnull=True, removed_at__isnull=True
    ).count()
    return BoardSummary(active=active.count(), off=off)


@dataclass(frozen=True)
class AffectedRow:
    account_number: str
    customer_id: int
    customer_name: str
    transformer_name: str
    off_at: datetime
    on_at: datetime | None
    notified_at: datetime | None


@dataclass(frozen=True)
class OutageDetail:
    item: BoardOutage
    events: list[OutageEvent]
    customers: list[AffectedRow]
    customers_more: int

    @property
    def is_planned(self) -> bool:
        return self.item.outage.kind == OutageKind.PLANNED


def outage_detail(*, user: User, number: str) -> OutageDetail:
    """One outage with its drawing, history and affected accounts (404 outside the scope)."""
    outage = (
        outages_visible_to(user)
        .select_related("feeder", "transformer", "substation", "org_unit")
        .filter(number=number)
        .first()
    )
    if outage is None:
        raise NotFound("outages.outage.not_found", "停电信息不存在")
    links = (
        OutageCustomer.objects.filter(outage=outage, removed_at__isnull=True)
        .select_related("account__customer", "transformer")
        .order_by(F("on_at").asc(nulls_first=True), "off_at", "pk")  # still off first
    )
    rows = [
        AffectedRow(
            account_number=link.account.number,
            customer_id=link.account.customer_id,
            customer_name=link.account.customer.name,
            transformer_name=link.transformer.name,
            off_at=link.off_at,
            on_at=link.on_at,
            notified_at=link.notified_at,
        )
        for link in links[:CUSTOMERS_SHOWN]
    ]
    item = board_outages_of([outage], now=timezone.now())[0]
    return OutageDetail(
        item=item,
        events=list(outage.events.select_related("actor").order_by("at", "pk")),
        customers=rows,
        customers_more=max(0, item.total - len(rows)),
    )


def outages_active_for_customers(*, customer_ids: list[int]) -> dict[int, str]:
    """customer id → the number of an active outage one of their accounts is still off in
    (the inbox's badge; the customer 360 uses live.outages_active_for_accounts)."""
    rows = (
        OutageCustomer.objects.filter(
            account__customer_id__in=customer_ids,
            outage__state=OutageState.ACTIVE,
            on_at__isnull=True,
            removed_at__isnull=True,
        )
        .order_by("outage__starts_at")
        .values_list("account__customer_id", "outage__number")
    )
    found: dict[int, str] = {}
    for customer_id, number in rows:
        found.setdefault(customer_id, number)
    return found
