"""Planned-outage reads: the list and one outage within the user's scope, the scope an
editor names resolved against the topology, and the affected accounts it reaches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet

from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import OrgUnit, User
from gridcare.core.privacy import mask_name
from gridcare.core.selectors import org_units_in_scope
from gridcare.customers.choices import AccountStatus, ImportanceLevel
from gridcare.customers.models import Account, AccountMeter
from gridcare.grid.models import Feeder, Transformer
from gridcare.outages.choices import OutageKind, OutageState
from gridcare.outages.engine.notice_rules import NoticeCheck, notice_check
from gridcare.outages.models import Outage, OutageEvent

MAX_SCOPE_ITEMS = 200


@dataclass(frozen=True)
class Scope:
    """What an editor chose: feeders, 台区 and accounts (each may be empty)."""

    feeders: tuple[Feeder, ...] = ()
    transformers: tuple[Transformer, ...] = ()
    accounts: tuple[Account, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.feeders or self.transformers or self.accounts)


@dataclass(frozen=True)
class Affected:
    """One affected account, with where it hangs in the topology."""

    account_id: int
    number: str
    customer_id: int
    name_masked: str
    importance_level: str
    transformer_id: int
    transformer_name: str
    feeder_id: int

    @property
    def important(self) -> bool:
        return self.importance_level != ImportanceLevel.NONE


@dataclass(frozen=True)
class Preview:
    """What publishing would do: who is affected, per 台区, and the notice rule."""

    accounts: list[Affected]
    by_transformer: list[tuple[str, int]] = field(default_factory=list)
    notice: NoticeCheck | None = None

    @property
    def count(self) -> int:
        return len(self.accounts)

    @property
    def important(self) -> list[Affected]:
        return [a for a in self.accounts if a.important]


def _scope_filter(user: User) -> Q:
    return Q(org_unit__in=org_units_in_scope(user))


def planned_outages_for_user(*, user: User, state: str = "") -> QuerySet[Outage]:
    """Planned outages of the user's org scope, the next to start first."""
    query = Outage.objects.filter(_scope_filter(user), kind=OutageKind.PLANNED)
    if state:
        query = query.filter(state=state)
    return query.select_related("feeder", "transformer", "org_unit").order_by("starts_at", "id")


def planned_get_for_user(*, user: User, number: str) -> Outage:
    """One planned outage; outside the user's scope it is a 404, as a missing one."""
    outage = planned_outages_for_user(user=user).filter(number=number).first()
    if outage is None:
        raise NotFound("outages.planned.not_found", f"计划停电不存在：{number}")
    return outage


def _transformers_in_scope(user: User) -> QuerySet[Transformer]:
    return Transformer.objects.filter(org_unit__in=org_units_in_scope(user))


def planned_scope_choices(*, user: User) -> tuple[list[Feeder], list[Transformer]]:
    """The feeders and 台区 an editor may put in a scope (the editor's hints)."""
    transformers = list(
        _transformers_in_scope(user).select_related("feeder").order_by("feeder__code", "code")[:500]
    )
    feeder_ids = {t.feeder_id for t in transformers}
    return list(Feeder.objects.filter(pk__in=feeder_ids).order_by("code")), transformers


def _unknown(kind: str, code: str) -> DomainError:
    return DomainError(
        f"outages.planned.unknown_{kind}",
        f"停电范围中的{_KIND_ZH[kind]}不存在：{code}",
        field="scope",
    )


_KIND_ZH = {"feeder": "线路", "transformer": "台区", "account": "户号"}


def scope_resolve(
    *,
    user: User,
    feeder_codes: Iterable[str] = (),
    transformer_codes: Iterable[str] = (),
    account_numbers: Iterable[str] = (),
) -> Scope:
    """Codes → rows, each within the user's scope (a feeder: every 台区 of it), else 400."""
    feeder_codes, transformer_codes = sorted(set(feeder_codes)), sorted(set(transformer_codes))
    account_numbers = sorted(set(account_numbers))
    if len(feeder_codes) + len(transformer_codes) + len(account_numbers) > MAX_SCOPE_ITEMS:
        raise DomainError(
            "outages.planned.scope_too_large", f"停电范围最多 {MAX_SCOPE_ITEMS} 项", field="scope"
        )
    mine = _transformers_in_scope(user)
    feeders = {f.code: f for f in Feeder.objects.filter(code__in=feeder_codes)}
    for code in feeder_codes:
        feeder = feeders.get(code)
        if feeder is None or not mine.filter(feeder=feeder).exists():
            raise _unknown("feeder", code)
        if Transformer.objects.filter(feeder=feeder).exclude(pk__in=mine).exists():
            raise DomainError(
                "outages.planned.feeder_outside_scope",
                f"线路 {code} 有台区不在您的管辖范围内",
                field="scope",
            )
    transformers = {t.code: t for t in mine.filter(code__in=transformer_codes)}
    for code in transformer_codes:
        if code not in transformers:
            raise _unknown("transformer", code)
    accounts = {
        a.number: a
        for a in Account.objects.filter(
            number__in=account_numbers, supply_unit__in=org_units_in_scope(user)
        )
    }
    for number in account_numbers:
        if number not in accounts:
            raise _unknown("account", number)
    return Scope(
        feeders=tuple(feeders[c] for c in feeder_codes),
        transformers=tuple(transformers[c] for c in transformer_codes),
        accounts=tuple(accounts[n] for n in account_numbers),
    )


def scope_of(outage: Outage) -> Scope:
    items = list(outage.scope_items.select_related("feeder", "transformer", "account"))
    return Scope(
        feeders=tuple(i.feeder for i in items if i.feeder is not None),
        transformers=tuple(i.transformer for i in items if i.transformer is not None),
        accounts=tuple(i.account for i in items if i.account is not None),
    )


def affected_accounts(scope: Scope) -> list[Affected]:
    """Every account (not closed) with a meter under the scope, once, by account number.
    An account without a meter cannot be placed on the topology and is not included."""
    links = (
        AccountMeter.objects.filter(
            Q(meter__feeder__in=[f.pk for f in scope.feeders])
            | Q(meter__transformer__in=[t.pk for t in scope.transformers])
            | Q(account__in=[a.pk for a in scope.accounts])
        )
        .exclude(account__status=AccountStatus.CLOSED)
        .select_related("account__customer", "meter__transformer")
        .order_by("account__number", "meter_id")
    )
    found: dict[int, Affected] = {}
    for link in links:
        account = link.account
        found.setdefault(
            account.pk,
            Affected(
                account_id=account.pk,
                number=account.number,
                customer_id=account.customer_id,
                name_masked=mask_name(account.customer.name),
                importance_level=account.importance_level,
                transformer_id=link.meter.transformer_id,
                transformer_name=link.meter.transformer.name,
                feeder_id=link.meter.transformer.feeder_id,
            ),
        )
    return list(found.values())


def affected_preview(
    *, scope: Scope, planned_type: str, starts_at: datetime, now: datetime
) -> Preview:
    accounts = affected_accounts(scope)
    per_area = Counter(a.transformer_name for a in accounts)
    check = notice_check(
        planned_type=planned_type,
        starts_at=starts_at,
        now=now,
        important_affected=sum(1 for a in accounts if a.important),
        maintenance_days=settings.OUTAGES_PLANNED_NOTICE_DAYS,
        temporary_hours=settings.OUTAGES_TEMPORARY_NOTICE_HOURS,
    )
    return Preview(accounts=accounts, by_transformer=sorted(per_area.items()), notice=check)


def outage_preview(*, outage: Outage, now: datetime) -> Preview:
    """A draft: who its scope reaches now, with the notice rule's verdict. Once published:
    the customers it was announced to (its OutageCustomer rows), the rule no longer asked."""
    if outage.state == OutageState.DRAFT:
        return affected_preview(
            scope=scope_of(outage),
            planned_type=outage.planned_type,
            starts_at=outage.starts_at,
            now=now,
        )
    links = (
        outage.customers.filter(removed_at__isnull=True)
        .select_related("account__customer", "transformer")
        .order_by("account__number")
    )
    accounts = [
        Affected(
            account_id=link.account_id,
            number=link.account.number,
            customer_id=link.account.customer_id,
            name_masked=mask_name(link.account.customer.name),
            importance_level=link.account.importance_level,
            transformer_id=link.transformer_id,
            transformer_name=link.transformer.name,
            feeder_id=link.feeder_id,
        )
        for link in links
    ]
    per_area = Counter(a.transformer_name for a in accounts)
    return Preview(accounts=accounts, by_transformer=sorted(per_area.items()), notice=None)


def common_org_unit(units: Iterable[OrgUnit]) -> OrgUnit | None:
    """The deepest org unit above every given one (their paths' common prefix)."""
    paths = [u.path.strip("/").split("/") for u in units]
    if not paths:
        return None
    prefix: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    if not prefix:
        return None
    return OrgUnit.objects.filter(pk=int(prefix[-1])).first()


def scope_org_units(accounts: list[Affected], scope: Scope) -> list[OrgUnit]:
    """The units the outage belongs to: its 台区' units, the accounts' supply units."""
    transformer_ids = {a.transformer_id for a in accounts} | {t.pk for t in scope.transformers}
    units = list(OrgUnit.objects.filter(transformers__in=transformer_ids).distinct())
    units += list(OrgUnit.objects.filter(accounts__in=[a.pk for a in scope.accounts]).distinct())
    return units


def outage_history(*, outage: Outage) -> QuerySet[OutageEvent]:
    """The outage's events, oldest first, with who did each."""
    return outage.events.select_related("actor").order_by("at", "id")
