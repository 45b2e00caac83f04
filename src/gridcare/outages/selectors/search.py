"""Public outage information (the portal's 停电信息查询 and GET /api/v1/outages) and a
customer's own outages ("my outages").

What is public: planned outages once published and outages in progress, with their window,
estimated restoration, cause and the names of what they reach (feeders, 台区, streets).
Never public: drafts, single-customer records (a possible customer-side fault concerns one
household), and anything personal (names, house numbers, account numbers of others).

Searching by 户号 needs a login: the 户号 → 台区 link is not public, so a customer finds
only their bound accounts and staff only accounts within their scope.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridcare.core.errors import DomainError, NotFound, Unauthenticated
from gridcare.core.models import User
from gridcare.customers.selectors import accounts_visible_to
from gridcare.grid.models import Transformer
from gridcare.outages.choices import OPEN_OUTAGE_STATES, OutageKind, OutageLevel, OutageState
from gridcare.outages.models import Outage, OutageCustomer

#: States anyone may look up by number (a draft is not announced yet).
PUBLIC_STATES = (
    OutageState.PUBLISHED,
    OutageState.ACTIVE,
    OutageState.RESTORED,
    OutageState.CANCELLED,
)
#: How many street names a result lists before "…".
STREETS_SHOWN = 8
#: How many 台区 names a card shows before "and n more" (a feeder trip reaches dozens).
AREAS_SHOWN = 6
#: A search answers at most this many outages (open outages are few; a broad word is not
#: a reason to list a whole year).
SEARCH_LIMIT = 50
QUERY_MIN_LENGTH = 2
QUERY_MAX_LENGTH = 60
#: "My outages" looks back this far.
HISTORY_DAYS = 365
_ACCOUNT_NUMBER = re.compile(r"[0-9]{13}")
StrOrPromise = str | Promise
#: How the screens name an outage's state: "In progress" reads as a work order's 办理中,
#: a customer wants to read 停电中.
STATE_LABELS: dict[str, StrOrPromise] = {
    OutageState.DRAFT: _("Draft"),
    OutageState.PUBLISHED: _("Announced"),
    OutageState.ACTIVE: _("Power off now"),
    OutageState.RESTORED: _("Power restored"),
    OutageState.CANCELLED: _("Cancelled"),
}


class SearchBy(StrEnum):
    AUTO = "auto"
    ACCOUNT = "account"  # 户号
    AREA = "area"  # 台区 name or code
    ADDRESS = "address"


@dataclass(frozen=True)
class PublicOutage:
    """One outage as the public sees it (no personal data)."""

    number: str
    kind: str
    planned_type: str
    level: str
    state: str
    cause: str
    reason: str  # the announced reason of a planned outage; "" for unplanned ones
    starts_at: datetime
    ends_at: datetime | None
    etr_at: datetime | None
    restored_at: datetime | None
    affected_count: int
    feeders: tuple[str, ...]
    areas: tuple[str, ...]  # 台区 names
    streets: tuple[str, ...]  # "天河区石牌街道": district + street, never a house number
    more_streets: bool

    @property
    def is_planned(self) -> bool:
        return self.kind == OutageKind.PLANNED

    @property
    def areas_shown(self) -> tuple[str, ...]:
        return self.areas[:AREAS_SHOWN]

    @property
    def areas_more(self) -> int:
        return max(0, len(self.areas) - AREAS_SHOWN)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_OUTAGE_STATES

    @property
    def kind_label(self) -> str:
        return str(OutageKind(self.kind).label)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, self.state))

    @property
    def level_label(self) -> str:
        return str(OutageLevel(self.level).label)


@dataclass(frozen=True)
class SearchResult:
    query: str
    by: SearchBy  # what the query was read as
    outages: list[PublicOutage]


def _query_clean(query: str) -> str:
    cleaned = " ".join(query.split())
    if len(cleaned) < QUERY_MIN_LENGTH:
        raise DomainError(
            "outages.search.too_short",
            f"请输入至少 {QUERY_MIN_LENGTH} 个字：地址、户号或台区名称",
            field="q",
        )
    if len(cleaned) > QUERY_MAX_LENGTH:
        raise DomainError(
            "outages.search.too_long", f"查询内容最多 {QUERY_MAX_LENGTH} 个字", field="q"
        )
    return cleaned


def _areas_matching(query: str) -> QuerySet[Transformer]:
    return Transformer.objects.filter(Q(code__iexact=query) | Q(name__icontains=query))


def search_reads_as(query: str) -> SearchBy:
    """How an unqualified query is read: 13 digits are a 户号, a 台区 code or name an area,
    anything else an address."""
    if _ACCOUNT_NUMBER.fullmatch(query):
        return SearchBy.ACCOUNT
    if _areas_matching(query).exists():
        return SearchBy.AREA
    return SearchBy.ADDRESS


def _public_open() -> QuerySet[Outage]:
    return Outage.objects.filter(state__in=OPEN_OUTAGE_STATES).exclude(level=OutageLevel.CUSTOMER)


def _links_still_in() -> QuerySet[OutageCustomer]:
    return OutageCustomer.objects.filter(outage=OuterRef("pk"), removed_at__isnull=True)


def _by_account(user: User | None, number: str) -> QuerySet[Outage]:
    if user is None or not user.is_authenticated:
        raise Unauthenticated("outages.search.login_required", "按户号查询停电信息请先登录")
    account_ids = accounts_visible_to(user).filter(number=number).values("pk")
    return _public_open().filter(Exists(_links_still_in().filter(account_id__in=account_ids)))


def _by_area(query: str) -> QuerySet[Outage]:
    areas = _areas_matching(query).values("pk")
    return _public_open().filter(Exists(_links_still_in().filter(transformer_id__in=areas)))


def _by_address(query: str) -> QuerySet[Outage]:
    address = Concat(
        "account__premise__province",
        "account__premise__city",
        "account__premise__district",
        "account__premise__street",
        "account__premise__detail",
        Value(""),
    )
    words = query.split()
    links = _links_still_in().alias(address=address)
    for word in words:
        links = links.filter(address__icontains=word)
    return _public_open().filter(Exists(links))


def outage_search(*, query: str, by: SearchBy = SearchBy.AUTO, user: User | None) -> SearchResult:
    """Open public outages reaching an address, a 户号 (logged in: own / in scope) or a 台区,
    soonest first."""
    cleaned = _query_clean(query)
    reads_as = search_reads_as(cleaned) if by == SearchBy.AUTO else by
    if reads_as == SearchBy.ACCOUNT:
        if not _ACCOUNT_NUMBER.fullmatch(cleaned):
            raise DomainError("outages.search.bad_account", "户号应为 13 位数字", field="q")
        found = _by_account(user, cleaned)
    elif reads_as == SearchBy.AREA:
        found = _by_area(cleaned)
    else:
        found = _by_address(cleaned)
    outages = list(found.order_by("starts_at", "pk")[:SEARCH_LIMIT])
    return SearchResult(query=cleaned, by=reads_as, outages=public_outages(outages))


def outages_public_open(*, limit: int = SEARCH_LIMIT) -> list[PublicOutage]:
    """Every open public outage, soonest first (the search page before anything is typed)."""
    return public_outages(list(_public_open().order_by("starts_at", "pk")[:limit]))


def outage_public_get(*, number: str) -> PublicOutage:
    """One outage by number, if it is public information (else 404, as for no outage)."""
    outage = (
        Outage.objects.filter(number=number, state__in=PUBLIC_STATES)
        .exclude(level=OutageLevel.CUSTOMER)
        .first()
    )
    if outage is None:
        raise NotFound("outages.outage.not_found", "停电信息不存在")
    return public_outages([outage])[0]


def _scope_names(outage_ids: list[int]) -> dict[int, tuple[set[str], set[str], set[str]]]:
    """outage id → (feeder names, 台区 names, streets) of the customers still in it."""
    names: dict[int, tuple[set[str], set[str], set[str]]] = defaultdict(
        lambda: (set(), set(), set())
    )
    rows = (
        OutageCustomer.objects.filter(outage_id__in=outage_ids, removed_at__isnull=True)
        .values_list(
            "outage_id",
            "feeder__name",
            "transformer__name",
            "account__premise__district",
            "account__premise__street",
        )
        .distinct()
    )
    for outage_id, feeder, area, district, street in rows:
        feeders, areas, streets = names[outage_id]
        feeders.add(feeder)
        areas.add(area)
        streets.add(f"{district}{street}")
    return names


def public_outages(outages: list[Outage]) -> list[PublicOutage]:
    """The public view of each outage (one query for all their scope names)."""
    names = _scope_names([outage.pk for outage in outages])
    result = []
    for outage in outages:
        feeders, areas, streets = names.get(outage.pk, (set(), set(), set()))
        ordered_streets = sorted(streets)
        result.append(
            PublicOutage(
                number=outage.number,
                kind=outage.kind,
                planned_type=outage.planned_type,
                level=outage.level,
                state=outage.state,
                cause=outage.cause,
                reason=outage.reason if outage.kind == OutageKind.PLANNED else "",
                starts_at=outage.starts_at,
                ends_at=outage.ends_at,
                etr_at=outage.etr_at,
                restored_at=outage.restored_at,
                affected_count=outage.affected_count,
                feeders=tuple(sorted(feeders)),
                areas=tuple(sorted(areas)),
                streets=tuple(ordered_streets[:STREETS_SHOWN]),
                more_streets=len(ordered_streets) > STREETS_SHOWN,
            )
        )
    return result


@dataclass(frozen=True)
class MyOutage:
    """One of the login's accounts inside one outage, with its own interruption."""

    account_number: str
    outage: PublicOutage
    off_at: datetime
    on_at: datetime | None  # this account's own restoration (per-customer)

    @property
    def is_current(self) -> bool:
        return self.on_at is None and self.outage.is_open

    @property
    def minutes(self) -> int | None:
        if self.on_at is None:
            return None
        return max(0, round((self.on_at - self.off_at).total_seconds() / 60))


def my_outages(*, user: User, now: datetime | None = None) -> list[MyOutage]:
    """The bound accounts' outages: current and upcoming first, then the past year's, newest
    first. Single-customer records are the login's own, so they are shown too."""
    since = (now or timezone.now()) - timedelta(days=HISTORY_DAYS)
    links = list(
        OutageCustomer.objects.filter(
            account__in=accounts_visible_to(user),
            removed_at__isnull=True,
            outage__state__in=PUBLIC_STATES,
            off_at__gte=since,
        )
        .select_related("outage", "account")
        .order_by("-off_at", "-pk")[:200]
    )
    views = {o.number: o for o in public_outages(list({ln.outage for ln in links}))}
    found = [
        MyOutage(
            account_number=link.account.number,
            outage=views[link.outage.number],
            off_at=link.off_at,
            on_at=link.on_at,
        )
        for link in links
    ]
    return sorted(found, key=lambda row: (not row.outage.is_open, _newest_first(row)))


def _newest_first(row: MyOutage) -> float:
    return -row.off_at.timestamp()


@dataclass(frozen=True)
class MyOutageGroup:
    """One outage with the login's accounts in it (a family's two 户号 on one 台区 is one
    outage, shown once)."""

    outage: PublicOutage
    accounts: list[MyOutage]


def my_outages_grouped(*, user: User, now: datetime | None = None) -> list[MyOutageGroup]:
    """`my_outages`, one entry per outage, in the same order."""
    groups: dict[str, MyOutageGroup] = {}
    for row in my_outages(user=user, now=now):
        group = groups.setdefault(row.outage.number, MyOutageGroup(row.outage, []))
        group.accounts.append(row)
    return list(groups.values())


def upcoming_planned_for_accounts(
    *, account_ids: Iterable[int], within_days: int = 7, now: datetime | None = None
) -> list[PublicOutage]:
    """Published planned outages of these accounts starting within `within_days` (the portal
    home's "coming up" line)."""
    moment = now or timezone.now()
    outages = (
        Outage.objects.filter(
            state=OutageState.PUBLISHED,
            starts_at__gte=moment,
            starts_at__lte=moment + timedelta(days=within_days),
        )
        .filter(Exists(_links_still_in().filter(account_id__in=list(account_ids))))
        .order_by("starts_at", "pk")
    )
    return public_outages(list(outages[:5]))
