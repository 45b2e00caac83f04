"""Customers, premises, accounts and meters of the demo, drafted in memory in a fixed order.

Public transformers get accounts in proportion to their rating; tariff classes are then
dealt to those slots so the totals are exactly the plan's (agriculture only where there
are fields, i.e. rural and remote areas). Each 专变 gets its one 10 kV customer.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from gridcare.customers.choices import (
    AccountStatus,
    ConsentPurpose,
    CustomerKind,
    ImportanceLevel,
    TariffClass,
)
from gridcare.demo import supply
from gridcare.demo.grid_draft import STATION_SPECS, GridDrafter, TransformerSpec, spread
from gridcare.demo.people import PeopleFactory, weighted_choice
from gridcare.demo.plan import (
    BASE_DATE,
    DEMO_BOUND_ACCOUNTS,
    DEMO_CUSTOMER_ACCOUNTS,
    DEMO_CUSTOMER_MOBILE,
    LOCAL_TZ,
    DemoPlan,
)
from gridcare.grid.choices import AreaClass

CONSENT_SOURCES = ("business_hall", "portal", "hotline_95598")
NOTICE_PURPOSES = (ConsentPurpose.SERVICE, ConsentPurpose.OUTAGE, ConsentPurpose.BILLING)
STATUS_WEIGHTS = (
    (AccountStatus.ACTIVE, 985),
    (AccountStatus.SUSPENDED, 10),
    (AccountStatus.CLOSED, 5),
)
INDUSTRY_IMPORTANCE = (
    (ImportanceLevel.NONE, 60),
    (ImportanceLevel.LEVEL_2, 30),
    (ImportanceLevel.LEVEL_1, 10),
)
SENSITIVE_SHARE = 0.005
#: Shops are often run by individuals (个体户) and irrigation by farmers; homes are people.
PERSON_SHARE = {TariffClass.GENERAL_COMMERCIAL: 0.45, TariffClass.AGRICULTURAL: 0.5}
BOUND, UNBOUND = "bound", "unbound"


@dataclass(frozen=True)
class ConsentDraft:
    purpose: ConsentPurpose
    granted: bool
    source: str
    at: dt.datetime


@dataclass
class CustomerDraft:
    kind: CustomerKind
    name: str
    mobile: str
    id_number: str
    created_at: dt.datetime
    openid: str | None = None
    consents: list[ConsentDraft] = field(default_factory=list)


@dataclass(frozen=True)
class AccountDraft:
    number: str
    customer: int
    transformer: int
    station: int
    tariff_class: TariffClass
    supply: supply.Supply
    opened_on: dt.date
    town: str
    detail: str
    meter_asset: str
    importance: ImportanceLevel = ImportanceLevel.NONE
    is_sensitive: bool = False
    status: AccountStatus = AccountStatus.ACTIVE
    #: For the demo customer's accounts: bound to the demo login, or left to bind.
    binding: str = ""


@dataclass
class DemoDraft:
    transformers: list[TransformerSpec]
    total_meter_assets: list[str]
    customers: list[CustomerDraft]
    accounts: list[AccountDraft]


def meter_asset_number(serial: int) -> str:
    """A 22-digit meter bar code, as on State Grid meters."""
    return f"3330001{serial:015d}"


def _local(day: dt.date, rng: random.Random) -> dt.datetime:
    """A business-hours moment on `day` in the county's time zone."""
    return dt.datetime.combine(day, dt.time(8), tzinfo=LOCAL_TZ) + dt.timedelta(
        minutes=rng.randrange(10 * 60)
    )


class AccountDrafter:
    """Deals accounts to transformers and draws a customer, premise and meter for each."""

    def __init__(self, *, plan: DemoPlan, people: PeopleFactory) -> None:
        self.plan = plan
        self.people = people
        self.rng: random.Random = people.rng
        self.customers: list[CustomerDraft] = []
        self.accounts: list[AccountDraft] = []
        self._sequence = [10_000_000 + self.rng.randrange(1_000_000) for _ in STATION_SPECS]
        self._meter_serial = 0
        self._demo_customer: int | None = None

    def draft(self, transformers: list[TransformerSpec]) -> DemoDraft:
        total_meters = [self._next_meter() for _ in transformers]
        public = [spec for spec in transformers if not spec.owner]
        slots = self._slots(public)
        for spec, (tariff, binding) in zip(slots, self._deal_classes(slots), strict=True):
            self._public_account(spec, tariff, binding)
        institutions = 0
        for spec in transformers:
            if spec.owner:
                self._dedicated_account(spec, institution_rank=institutions)
                institutions += spec.is_institution
        return DemoDraft(transformers, total_meters, self.customers, self.accounts)

    # --- Slots and classes ---

    def _slots(self, public: list[TransformerSpec]) -> list[TransformerSpec]:
        count = self.plan.accounts - self.plan.dedicated_transformers
        minimum = 1 if count >= len(public) else 0
        per_transformer = spread(count, [spec.rated_kva for spec in public], minimum)
        return [spec for spec, n in zip(public, per_transformer, strict=True) for _ in range(n)]

    def _deal_classes(self, slots: list[TransformerSpec]) -> list[tuple[TariffClass, str]]:
        """Exactly the plan's count per class; the first slots of station 1 are the demo's."""
        dealt: list[tuple[TariffClass, str]] = [(TariffClass.RESIDENTIAL, "")] * len(slots)
        first_station = [i for i, spec in enumerate(slots) if spec.station == 0]
        first_station = first_station[:DEMO_CUSTOMER_ACCOUNTS]
        for i in first_station[:DEMO_BOUND_ACCOUNTS]:
            dealt[i] = (TariffClass.RESIDENTIAL, BOUND)
        dealt[first_station[-1]] = (TariffClass.GENERAL_COMMERCIAL, UNBOUND)
        free = [i for i in range(len(slots)) if i not in first_station]
        fields = [i for i in free if slots[i].area_class != AreaClass.URBAN]
        farms = self._sample(fields or free, self.plan.agricultural)
        for i in farms:
            dealt[i] = (TariffClass.AGRICULTURAL, "")
        farm_set = set(farms)
        free = [i for i in free if i not in farm_set]
        shops = self.plan.general_commercial - self.plan.institutions - 1
        for i in self._sample(free, shops):
            dealt[i] = (TariffClass.GENERAL_COMMERCIAL, "")
        return dealt

    def _sample(self, population: list[int], k: int) -> list[int]:
        return sorted(self.rng.sample(population, min(k, len(population))))

    # --- Accounts ---

    def _public_account(self, spec: TransformerSpec, tariff: TariffClass, binding: str) -> None:
        if tariff == TariffClass.RESIDENTIAL:
            sup = supply.residential(self.rng, spec.area_class)
        elif tariff == TariffClass.GENERAL_COMMERCIAL:
            sup = supply.commercial(self.rng)
        else:
            sup = supply.agricultural(self.rng)
        opened_on = BASE_DATE - dt.timedelta(days=self.rng.randint(30, 25 * 365))
        if binding:
            customer = self._demo_customer_index(opened_on)
            status, sensitive = AccountStatus.ACTIVE, False
        else:
            customer = self._customer_for(tariff, spec, opened_on)
            status = weighted_choice(self.rng, STATUS_WEIGHTS)
            sensitive = self.rng.random() < SENSITIVE_SHARE
        self._add_account(
            spec,
            customer,
            tariff,
            sup,
            opened_on,
            detail=self._detail(tariff, spec),
            status=status,
            is_sensitive=sensitive,
            binding=binding,
        )

    def _dedicated_account(self, spec: TransformerSpec, *, institution_rank: int) -> None:
        opened_on = BASE_DATE - dt.timedelta(days=self.rng.randint(365, 20 * 365))
        customer = self._new_customer(CustomerKind.ORGANIZATION, spec.owner, opened_on)
        if spec.is_institution:
            tariff = TariffClass.GENERAL_COMMERCIAL
            # The hospital and the water works come first and are grade 1 (domain-facts §1).
            importance = (
                ImportanceLevel.LEVEL_1 if institution_rank < 2 else ImportanceLevel.LEVEL_2
            )
        else:
            tariff = TariffClass.LARGE_INDUSTRIAL
            importance = weighted_choice(self.rng, INDUSTRY_IMPORTANCE)
        # A factory's address is a road inside its park; an institution's, its own street.
        road = "" if spec.is_institution else self.people.street()
        detail = f"{spec.locality}{road}{self.rng.randint(1, 200)}号"
        self._add_account(
            spec,
            customer,
            tariff,
            supply.dedicated(spec.rated_kva),
            opened_on,
            detail=detail,
            importance=importance,
        )

    def _add_account(
        self,
        spec: TransformerSpec,
        customer: int,
        tariff: TariffClass,
        sup: supply.Supply,
        opened_on: dt.date,
        *,
        detail: str,
        importance: ImportanceLevel = ImportanceLevel.NONE,
        status: AccountStatus = AccountStatus.ACTIVE,
        is_sensitive: bool = False,
        binding: str = "",
    ) -> None:
        self._sequence[spec.station] += self.rng.randint(1, 3)
        number = f"31{spec.station + 1:02d}{self._sequence[spec.station]:09d}"
        self.accounts.append(
            AccountDraft(
                number=number,
                customer=customer,
                transformer=spec.index,
                station=spec.station,
                tariff_class=tariff,
                supply=sup,
                opened_on=opened_on,
                town=spec.town,
                detail=detail,
                meter_asset=self._next_meter(),
                importance=importance,
                is_sensitive=is_sensitive,
                status=status,
                binding=binding,
            )
        )

    def _next_meter(self) -> str:
        self._meter_serial += 1
        return meter_asset_number(self._meter_serial)

    def _detail(self, tariff: TariffClass, spec: TransformerSpec) -> str:
        rng, place = self.rng, spec.locality
        if tariff == TariffClass.AGRICULTURAL:
            return f"{place}{rng.randint(1, 12)}组{rng.choice(('排灌站', '茶园', '养殖场'))}"
        if spec.area_class != AreaClass.URBAN:
            return f"{place}{rng.randint(1, 12)}组{rng.randint(1, 150)}号"
        if tariff == TariffClass.GENERAL_COMMERCIAL:
            return f"{place}{rng.randint(1, 300)}号"
        floor, room = rng.randint(1, 18), rng.randint(1, 4)
        return (
            f"{place}{rng.randint(1, 300)}号{rng.randint(1, 20)}幢"
            f"{rng.randint(1, 4)}单元{floor}{room:02d}室"
        )

    # --- Customers ---

    def _customer_for(self, tariff: TariffClass, spec: TransformerSpec, opened_on: dt.date) -> int:
        if self.rng.random() < PERSON_SHARE.get(tariff, 1.0):
            return self._new_person(opened_on)
        if tariff == TariffClass.AGRICULTURAL:
            village = spec.locality if spec.area_class != AreaClass.URBAN else self.people.village()
            name = self.people.farm_name(village=village)
        else:
            name = self.people.shop_name()
        return self._new_customer(CustomerKind.ORGANIZATION, name, opened_on)

    def _demo_customer_index(self, opened_on: dt.date) -> int:
        if self._demo_customer is None:
            self._demo_customer = self._new_person(opened_on, mobile=DEMO_CUSTOMER_MOBILE)
        return self._demo_customer

    def _new_person(self, opened_on: dt.date, mobile: str | None = None) -> int:
        person = self.people.person()
        return self._new_customer(
            CustomerKind.PERSON, person.name, opened_on, id_number=person.id_number, mobile=mobile
        )

    def _new_customer(
        self,
        kind: CustomerKind,
        name: str,
        opened_on: dt.date,
        *,
        id_number: str = "",
        mobile: str | None = None,
    ) -> int:
        is_demo = mobile == DEMO_CUSTOMER_MOBILE
        customer = CustomerDraft(
            kind=kind,
            name=name,
            mobile=mobile or self.people.mobile(),
            id_number=id_number,
            created_at=_local(opened_on, self.rng),
        )
        wechat_share = 0.25 if kind == CustomerKind.PERSON else 0.1
        if is_demo or self.rng.random() < wechat_share:
            customer.openid = self.people.wechat_openid()
        if is_demo or self.rng.random() < 0.65:
            customer.consents = self._consents(customer)
        self.customers.append(customer)
        return len(self.customers) - 1

    def _consents(self, customer: CustomerDraft) -> list[ConsentDraft]:
        """Notices granted; marketing asked of some and declined by a part of them (PIPL)."""
        rng = self.rng
        source = "wechat" if customer.openid else rng.choice(CONSENT_SOURCES)
        first_day = max(customer.created_at.date(), BASE_DATE - dt.timedelta(days=3 * 365))
        day = min(first_day + dt.timedelta(days=rng.randrange(60)), BASE_DATE)
        at = _local(day, rng)
        consents = [ConsentDraft(purpose, True, source, at) for purpose in NOTICE_PURPOSES]
        roll = rng.random()
        if roll < 0.5:
            granted = roll < 0.35
            consents.append(ConsentDraft(ConsentPurpose.MARKETING, granted, source, at))
        return consents


def draft_demo(plan: DemoPlan) -> DemoDraft:
    """Everything the demo will contain, without touching the database."""
    people = PeopleFactory(seed=plan.seed)
    transformers = GridDrafter(plan=plan, people=people).draft()
    return AccountDrafter(plan=plan, people=people).draft(transformers)
