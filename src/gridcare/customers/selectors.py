"""Customer reads, always through the reader's scope.

A customer sees only the accounts bound to their login; staff see customers and accounts of
their org unit's subtree; anything outside the scope is "not found", never "forbidden", so
the API does not confirm that an account number exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, Prefetch, Q, QuerySet

from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.core.privacy import blind_index
from gridcare.core.selectors import org_units_in_scope
from gridcare.customers.choices import (
    Channel,
    ConsentPurpose,
    ContactChannel,
    ImportanceLevel,
    InteractionDirection,
    TariffClass,
)
from gridcare.customers.models import (
    Account,
    AccountBinding,
    AccountMeter,
    ChannelIdentity,
    ConsentRecord,
    Customer,
    Interaction,
)
from gridcare.grid.models import Feeder, Transformer
from gridcare.grid.selectors import TopologyPath, meter_topology_path

_ACCOUNT_RELATED = ("customer", "premise", "supply_unit")


def accounts_visible_to(user: User) -> QuerySet[Account]:
    """Every account `user` may read."""
    accounts = Account.objects.select_related(*_ACCOUNT_RELATED)
    if not user.is_authenticated or not user.is_active:
        return accounts.none()
    if user.is_customer:
        return accounts.filter(bindings__user=user, bindings__revoked_at__isnull=True).distinct()
    if not user.has_perm("customers.view_account"):
        return accounts.none()
    return accounts.filter(supply_unit__in=org_units_in_scope(user))


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """Customers holding at least one account in the staff user's scope."""
    if (
        not user.is_authenticated
        or not user.is_active
        or user.is_customer
        or not user.has_perm("customers.view_customer")
    ):
        return Customer.objects.none()
    scope = org_units_in_scope(user)
    return Customer.objects.filter(
        pk__in=Account.objects.filter(supply_unit__in=scope).values("customer_id")
    )


def account_get_for_user(*, user: User, number: str) -> Account:
    account = accounts_visible_to(user).filter(number=number).first()
    if account is None:
        raise NotFound("customers.account.not_found", "户号不存在")
    return account


def customer_get_for_user(*, user: User, customer_id: int) -> Customer:
    customer = customers_visible_to(user).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("customers.customer.not_found", "客户不存在")
    return customer


def account_search(
    *, user: User, number_prefix: str = "", tariff_class: str = "", status: str = ""
) -> QuerySet[Account]:
    """Accounts the reader may see, by 户号 prefix, tariff class and status (empty: any)."""
    accounts = accounts_visible_to(user)
    if number_prefix:
        accounts = accounts.filter(number__startswith=number_prefix)
    if tariff_class:
        accounts = accounts.filter(tariff_class=tariff_class)
    if status:
        accounts = accounts.filter(status=status)
    return accounts.order_by("number")


def account_topology(*, account: Account) -> list[TopologyPath]:
    """Where each of the account's meters hangs: substation → feeder → transformer."""
    links = account.meter_links.select_related("meter__transformer__feeder__substation")
    return [meter_topology_path(meter=link.meter) for link in links]


def customer_list(*, user: User, query: str = "") -> QuerySet[Customer]:
    """`customer_search` for a query, else every customer in scope in creation order."""
    if query:
        return customer_search(user=user, query=query)
    return customers_visible_to(user).order_by("pk")


def customer_search(*, user: User, query: str) -> QuerySet[Customer]:
    """Find customers in scope by 户号 (13 digits), mobile (11 digits), ID number or name."""
    query = query.strip()
    customers = customers_visible_to(user)
    if not query:
        return customers.none()
    if re.fullmatch(r"\d{13}", query):
        condition = Q(accounts__number=query)
    elif re.fullmatch(r"1\d{10}", query):
        condition = Q(mobile=query) | Q(accounts__registered_mobile=query)
    elif re.fullmatch(r"\d{17}[\dXx]", query):
        condition = Q(id_number_index=blind_index(query.upper()))
    elif re.fullmatch(r"\d{4,12}", query):
        condition = Q(accounts__number__startswith=query) | Q(mobile__endswith=query)
    else:
        condition = Q(name__startswith=query)
    scoped_accounts = accounts_visible_to(user).select_related("premise").order_by("number")
    return (
        customers.filter(condition)
        .distinct()
        .order_by("name", "pk")
        .prefetch_related(Prefetch("accounts", queryset=scoped_accounts, to_attr="scoped_accounts"))
    )


@dataclass(frozen=True)
class AccountView:
    """One account on the 360 page, with its meters' topology paths."""

    account: Account
    paths: list[TopologyPath]
    bound_logins: int


@dataclass(frozen=True)
class Customer360:
    customer: Customer
    accounts: list[AccountView]
    consents: dict[str, bool]


@dataclass(frozen=True)
class ScopeSummary:
    """What a staff member's area holds: the numbers on the console workbench."""

    accounts: int
    customers: int
    by_tariff_class: list[tuple[str, int]]
    sensitive_accounts: int
    important_accounts: int


def scope_summary(*, user: User) -> ScopeSummary:
    accounts = accounts_visible_to(user)
    by_class = dict(
        accounts.order_by()
        .values_list("tariff_class")
        .annotate(n=Count("pk"))
        .values_list("tariff_class", "n")
    )
    return ScopeSummary(
        accounts=sum(by_class.values()),
        customers=accounts.order_by().values("customer_id").distinct().count(),
        by_tariff_class=[
            (str(label), by_class.get(value, 0)) for value, label in TariffClass.choices
        ],
        sensitive_accounts=accounts.filter(is_sensitive=True).count(),
        important_accounts=accounts.exclude(importance_level=ImportanceLevel.NONE).count(),
    )


def consent_current(*, customer: Customer) -> dict[str, bool]:
    """The newest decision per purpose; a purpose never asked about is absent (= no consent)."""
    current: dict[str, bool] = {}
    for record in ConsentRecord.objects.filter(customer=customer).order_by("-at", "-id"):
        current.setdefault(record.purpose, record.granted)
    return current


def consent_effective(consents: dict[str, bool]) -> dict[str, bool]:
    """Consent as messages apply it (domain-facts §8): service, outage and billing notices
    go out under the supply contract unless the customer refused them; marketing only when
    agreed. `consents` is `consent_current`'s answer; every purpose is in the result."""
    return {
        purpose: consents.get(purpose, purpose != ConsentPurpose.MARKETING)
        for purpose, _label in ConsentPurpose.choices
    }


def consent_labelled(consents: dict[str, bool]) -> list[tuple[str, bool | None]]:
    """Every consent purpose with its display label and decision (None = never asked)."""
    return [(str(label), consents.get(value)) for value, label in ConsentPurpose.choices]


def customer_360(*, user: User, customer_id: int) -> Customer360:
    """Everything the console shows about one customer, limited to the reader's scope."""
    customer = customer_get_for_user(user=user, customer_id=customer_id)
    links = AccountMeter.objects.select_related("meter__transformer__feeder__substation")
    accounts = (
        accounts_visible_to(user)
        .filter(customer=customer)
        .prefetch_related(Prefetch("meter_links", queryset=links))
        .annotate(live_bindings=Count("bindings", filter=Q(bindings__revoked_at__isnull=True)))
    )
    views = []
    for account in accounts:
        paths = [meter_topology_path(meter=link.meter) for link in account.meter_links.all()]
        views.append(AccountView(account=account, paths=paths, bound_logins=account.live_bindings))
    return Customer360(
        customer=customer, accounts=views, consents=consent_current(customer=customer)
    )


def accounts_downstream_of_feeder(*, feeder: Feeder) -> QuerySet[Account]:
    """Accounts whose meters hang under the feeder (outage scope for a 10 kV trip)."""
    return Account.objects.filter(meter_links__meter__feeder=feeder).distinct()


def accounts_downstream_of_transformer(*, transformer: Transformer) -> QuerySet[Account]:
    return Account.objects.filter(meter_links__meter__transformer=transformer).distinct()


def accounts_of_login(*, user: User) -> QuerySet[Account]:
    """The accounts a customer login has bound (portal "my accounts")."""
    return accounts_visible_to(user).order_by("number")


def accounts_of_login_count(*, user: User) -> int:
    """How many accounts a customer login has bound (the 我的 page's badge)."""
    return accounts_visible_to(user).count()


@dataclass(frozen=True)
class ContactProfile:
    """What sending a customer a message needs: addresses per channel, preferred channels,
    quiet hours (None: the default) and the current consent per purpose."""

    customer_id: int
    user_id: int | None
    addresses: dict[str, str]
    channels: tuple[str, ...]
    quiet_start: time | None
    quiet_end: time | None
    consent: dict[str, bool]


def contact_profiles(*, customer_ids: Iterable[int]) -> dict[int, ContactProfile]:
    """Contact profiles of many customers in four queries (bulk sends of 10,000 and more)."""
    ids = list(set(customer_ids))
    customers = Customer.objects.filter(pk__in=ids).select_related("contact_preference")
    wechat = dict(
        ChannelIdentity.objects.filter(customer_id__in=ids, channel=Channel.WECHAT)
        .order_by("customer_id", "created_at")  # the newest wins in dict()
        .values_list("customer_id", "external_id")
    )
    consent: dict[int, dict[str, bool]] = {}
    records = ConsentRecord.objects.filter(customer_id__in=ids).order_by("-at", "-id")
    for customer_id, purpose, granted in records.values_list("customer_id", "purpose", "granted"):
        consent.setdefault(customer_id, {}).setdefault(purpose, granted)
    # A customer without a login of their own is reached through whoever bound an account.
    bound = dict(
        AccountBinding.objects.filter(account__customer_id__in=ids, revoked_at__isnull=True)
        .order_by("account__customer_id", "bound_at")  # the newest wins in dict()
        .values_list("account__customer_id", "user_id")
    )
    profiles = {}
    for customer in customers:
        preference = getattr(customer, "contact_preference", None)
        user_id = customer.user_id or bound.get(customer.pk)
        addresses: dict[str, str] = {ContactChannel.SMS: customer.mobile}
        if customer.pk in wechat:
            addresses[ContactChannel.WECHAT] = wechat[customer.pk]
        if preference is not None and preference.email:
            addresses[ContactChannel.EMAIL] = preference.email
        if user_id is not None:
            addresses[ContactChannel.PORTAL] = str(user_id)
            addresses[ContactChannel.APP_PUSH] = str(user_id)
        profiles[customer.pk] = ContactProfile(
            customer_id=customer.pk,
            user_id=user_id,
            addresses=addresses,
            channels=tuple(preference.channels) if preference is not None else (),
            quiet_start=preference.quiet_start if preference is not None else None,
            quiet_end=preference.quiet_end if preference is not None else None,
            consent=consent.get(customer.pk, {}),
        )
    return profiles


def customer_timeline(
    *,
    user: User,
    customer_id: int,
    channels: Iterable[str] = (),
    direction: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Interaction]:
    """The customer's contacts, newest first, for a reader allowed to see the customer
    (NotFound otherwise); filters by channels, direction and time."""
    customer = customer_get_for_user(user=user, customer_id=customer_id)
    interactions = Interaction.objects.filter(customer=customer).select_related("agent", "account")
    if channels:
        interactions = interactions.filter(channel__in=list(channels))
    if direction:
        interactions = interactions.filter(direction=direction)
    if since is not None:
        interactions = interactions.filter(occurred_at__gte=since)
    if until is not None:
        interactions = interactions.filter(occurred_at__lt=until)
    return interactions.order_by("-occurred_at", "-id")


def interaction_get_for_user(*, user: User, customer_id: int, interaction_id: int) -> Interaction:
    """One entry of `customer_timeline` (agent and account loaded)."""
    return customer_timeline(user=user, customer_id=customer_id).get(pk=interaction_id)


def customer_for_identity(*, channel: str, external_id: str) -> int | None:
    """The customer a channel identity (WeChat openid, Alipay user id) belongs to."""
    return (
        ChannelIdentity.objects.filter(channel=channel, external_id=external_id)
        .values_list("customer_id", flat=True)
        .first()
    )


def customers_of_login(*, user: User) -> list[Customer]:
    """The customers whose accounts a portal login has bound (usually one: their own)."""
    return list(
        Customer.objects.filter(
            accounts__bindings__user=user, accounts__bindings__revoked_at__isnull=True
        )
        .select_related("contact_preference")
        .distinct()
        .order_by("pk")
    )


@dataclass(frozen=True)
class LoginCustomer:
    """A customer a portal login may act for, with the numbers of its accounts the login
    has bound (masked names alone can look alike)."""

    customer: Customer
    account_numbers: tuple[str, ...]


def login_customers(*, user: User) -> list[LoginCustomer]:
    """`customers_of_login`, each with its bound account numbers (two queries)."""
    numbers: dict[int, list[str]] = {}
    for account in accounts_of_login(user=user):
        numbers.setdefault(account.customer_id, []).append(account.number)
    return [LoginCustomer(c, tuple(numbers.get(c.pk, ()))) for c in customers_of_login(user=user)]


def customer_for_mobile(*, mobile: str) -> int | None:
    """The customer a mobile number belongs to (their own, else an account's registered
    mobile); None when unknown or ambiguous."""
    found = list(Customer.objects.filter(mobile=mobile).values_list("pk", flat=True)[:2])
    if not found:
        found = list(
            Account.objects.filter(registered_mobile=mobile)
            .values_list("customer_id", flat=True)
            .distinct()[:2]
        )
    return found[0] if len(found) == 1 else None


def meter_contracted_capacities() -> dict[str, float]:
    """Meter asset number → the contracted capacity (kVA) of the account it measures, for
    every meter linked to an account (the metering engine bounds readings with it)."""
    rows = AccountMeter.objects.values_list(
        "meter__asset_number", "account__contracted_capacity_kva"
    )
    return {asset: float(kva) for asset, kva in rows}


# --- Reads for other apps' rules (system reads: no reader, so no scope) ---


def customer_is_sensitive(*, customer_id: int) -> bool:
    """Whether any of the customer's accounts carries the sensitive-customer flag."""
    return Account.objects.filter(customer_id=customer_id, is_sensitive=True).exists()


def inbound_contacts_count(
    *, customer_id: int, since: datetime, until: datetime, unlinked_from: str = ""
) -> int:
    """Inbound contacts on the customer's timeline in [since, until]; with `unlinked_from`,
    those whose `links` do not name that kind of record (a contact already counted as the
    work order it became)."""
    contacts = Interaction.objects.filter(
        customer_id=customer_id,
        direction=InteractionDirection.INBOUND,
        occurred_at__gte=since,
        occurred_at__lte=until,
    )
    if unlinked_from:
        contacts = contacts.exclude(links__has_key=unlinked_from)
    return contacts.count()
