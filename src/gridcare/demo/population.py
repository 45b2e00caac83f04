"""Bulk-loads the drafted customers, premises, accounts, meters, consents and identities.

Tens of thousands of rows would take minutes through the one-row services, so they are
inserted with `bulk_create` inside the build's single transaction. What the services would
have done per row is done here in bulk: ID numbers get their blind index (the encrypted
field encrypts on save), meters get their cached feeder/substation through
`meters_bulk_install`, and the build writes one audit entry for all of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridcare.core.privacy import blind_index
from gridcare.customers.choices import AccountStatus, Channel, ContactChannel
from gridcare.customers.models import (
    Account,
    AccountMeter,
    ChannelIdentity,
    ConsentRecord,
    ContactPreference,
    Customer,
    Premise,
)
from gridcare.demo import supply
from gridcare.demo.account_draft import AccountDraft, CustomerDraft, DemoDraft
from gridcare.demo.plan import CITY, COUNTY, PROVINCE
from gridcare.demo.topology import OrgTree
from gridcare.grid.choices import MeterStatus
from gridcare.grid.models import Meter, Transformer
from gridcare.grid.services import meters_bulk_install

BATCH_SIZE = 2_000


@dataclass(frozen=True)
class Population:
    customers: list[Customer]
    accounts: list[Account]


def _customer(draft: CustomerDraft) -> Customer:
    return Customer(
        kind=draft.kind,
        name=draft.name,
        mobile=draft.mobile,
        id_number=draft.id_number,
        # The index is what keeps an ID number unique, so it is set with the number itself.
        id_number_index=blind_index(draft.id_number) if draft.id_number else None,
        created_at=draft.created_at,
    )


def _premise(draft: AccountDraft) -> Premise:
    return Premise(
        province=PROVINCE, city=CITY, district=COUNTY, street=draft.town, detail=draft.detail
    )


def _account(draft: AccountDraft, customer: Customer, premise: Premise, tree: OrgTree) -> Account:
    return Account(
        number=draft.number,
        customer=customer,
        premise=premise,
        supply_unit=tree.stations[draft.station],
        registered_mobile=customer.mobile,
        tariff_class=draft.tariff_class,
        contracted_capacity_kva=draft.supply.capacity_kva,
        voltage_level=draft.supply.voltage_level,
        importance_level=draft.importance,
        is_sensitive=draft.is_sensitive,
        status=draft.status,
        opened_on=draft.opened_on,
    )


def customers_and_accounts_create(draft: DemoDraft, tree: OrgTree) -> Population:
    customers = Customer.objects.bulk_create(
        [_customer(item) for item in draft.customers], batch_size=BATCH_SIZE
    )
    premises = Premise.objects.bulk_create(
        [_premise(item) for item in draft.accounts], batch_size=BATCH_SIZE
    )
    accounts = Account.objects.bulk_create(
        [
            _account(item, customers[item.customer], premise, tree)
            for item, premise in zip(draft.accounts, premises, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    return Population(customers=customers, accounts=accounts)


def _meter(
    asset_number: str, sup: supply.Supply, *, total: bool = False, removed: bool = False
) -> Meter:
    return Meter(
        asset_number=asset_number,
        multiplier=sup.multiplier,
        phase=sup.phase,
        status=MeterStatus.REMOVED if removed else MeterStatus.IN_SERVICE,
        is_transformer_total=total,
    )


def meters_create(
    draft: DemoDraft, transformers: list[Transformer], accounts: list[Account]
) -> int:
    """Each transformer's 台区总表 and its accounts' meters, one INSERT per transformer;
    then every account meter is linked to its account from the day the account opened."""
    by_transformer: list[list[tuple[AccountDraft, Account]]] = [[] for _ in transformers]
    for item, account in zip(draft.accounts, accounts, strict=True):
        by_transformer[item.transformer].append((item, account))
    links: list[AccountMeter] = []
    installed = 0
    for spec, transformer, total_asset, served in zip(
        draft.transformers, transformers, draft.total_meter_assets, by_transformer, strict=True
    ):
        meters = [_meter(total_asset, supply.transformer_total(spec.rated_kva), total=True)]
        meters += [
            _meter(item.meter_asset, item.supply, removed=item.status == AccountStatus.CLOSED)
            for item, _ in served
        ]
        created = meters_bulk_install(transformer=transformer, meters=meters)
        installed += len(created)
        links += [
            AccountMeter(account=account, meter=meter, since=item.opened_on)
            for (item, account), meter in zip(served, created[1:], strict=True)
        ]
    AccountMeter.objects.bulk_create(links, batch_size=BATCH_SIZE)
    return installed


def _consents(draft: CustomerDraft, customer: Customer) -> list[ConsentRecord]:
    return [
        ConsentRecord(
            customer=customer,
            purpose=item.purpose,
            granted=item.granted,
            source=item.source,
            notice_version="2026-01",
            recorded_by=None,
            at=item.at,
        )
        for item in draft.consents
    ]


def contact_data_create(draft: DemoDraft, customers: list[Customer]) -> tuple[int, int]:
    """Consent records, WeChat identities and, for WeChat users, WeChat-first preferences.

    Returns (consent records, channel identities).
    """
    pairs = list(zip(draft.customers, customers, strict=True))
    consents = [record for item, customer in pairs for record in _consents(item, customer)]
    ConsentRecord.objects.bulk_create(consents, batch_size=BATCH_SIZE)
    wechat = [(openid, item, customer) for item, customer in pairs if (openid := item.openid)]
    ChannelIdentity.objects.bulk_create(
        [
            ChannelIdentity(
                customer=customer,
                channel=Channel.WECHAT,
                external_id=openid,
                created_at=item.created_at,
            )
            for openid, item, customer in wechat
        ],
        batch_size=BATCH_SIZE,
    )
    ContactPreference.objects.bulk_create(
        [
            ContactPreference(
                customer=customer,
                channels=[ContactChannel.WECHAT.value, ContactChannel.SMS.value],
                updated_at=item.created_at,
            )
            for _, item, customer in wechat
        ],
        batch_size=BATCH_SIZE,
    )
    return len(consents), len(wechat)
