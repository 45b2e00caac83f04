"""API shapes for customers and accounts. Personal data leaves masked by default."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from gridcare.core.privacy import mask_address_detail, mask_id_number, mask_mobile, mask_name
from gridcare.customers.choices import CustomerKind
from gridcare.customers.models import Account, Customer, Interaction, Premise
from gridcare.grid.selectors import TopologyPath


class PremiseOut(Schema):
    province: str
    city: str
    district: str
    street: str
    detail_masked: str

    @staticmethod
    def resolve_detail_masked(obj: Premise) -> str:
        return mask_address_detail(obj.detail)


class AccountOut(Schema):
    """An account as the API shows it: names, mobiles and house numbers masked."""

    number: str
    customer_name_masked: str
    tariff_class: str
    contracted_capacity_kva: Decimal
    voltage_level: str
    importance_level: str
    is_sensitive: bool
    status: str
    supply_unit: str
    registered_mobile_masked: str
    premise: PremiseOut
    opened_on: dt.date

    @staticmethod
    def resolve_customer_name_masked(obj: Account) -> str:
        return mask_name(obj.customer.name)

    @staticmethod
    def resolve_supply_unit(obj: Account) -> str:
        return obj.supply_unit.name

    @staticmethod
    def resolve_registered_mobile_masked(obj: Account) -> str:
        return mask_mobile(obj.registered_mobile)


class TopologyOut(Schema):
    meter: str
    transformer: str
    transformer_name: str
    feeder: str
    substation: str

    @staticmethod
    def build(path: TopologyPath) -> TopologyOut:
        return TopologyOut(
            meter=path.meter.asset_number,
            transformer=path.transformer.code,
            transformer_name=path.transformer.name,
            feeder=path.feeder.name,
            substation=path.substation.name,
        )


class AccountDetailOut(AccountOut):
    topology: list[TopologyOut]


class CustomerOut(Schema):
    id: int
    kind: str
    name_masked: str
    mobile_masked: str
    id_number_masked: str

    @staticmethod
    def resolve_name_masked(obj: Customer) -> str:
        return mask_name(obj.name)

    @staticmethod
    def resolve_mobile_masked(obj: Customer) -> str:
        return mask_mobile(obj.mobile)

    @staticmethod
    def resolve_id_number_masked(obj: Customer) -> str:
        return mask_id_number(obj.id_number)


class CustomerDetailOut(CustomerOut):
    accounts: list[AccountDetailOut]
    consents: dict[str, bool]


class BindRequestIn(Schema):
    account_number: str


class BindRequestOut(Schema):
    sent_to: str
    expires_at: dt.datetime


class BindConfirmIn(Schema):
    account_number: str
    code: str


class CustomerCreateIn(Schema):
    kind: CustomerKind
    name: str
    mobile: str
    id_number: str = ""


class RevealIn(Schema):
    field: str


class RevealOut(Schema):
    field: str
    value: str


class InteractionIn(Schema):
    """A contact to put on the timeline. `data` by channel: hotline `recording_ref`,
    `duration_seconds` (and optional `call_id`); counter `queue_number`, `wait_seconds`,
    `service_seconds`."""

    channel: str
    direction: str = "inbound"
    summary: str = Field(min_length=1, max_length=200)
    body: str = Field("", max_length=5000)
    occurred_at: dt.datetime | None = None
    account_number: str | None = None
    external_id: str = Field("", max_length=128)
    data: dict[str, Any] = Field(default_factory=dict)


class InteractionOut(Schema):
    id: int
    channel: str
    direction: str
    occurred_at: dt.datetime
    summary: str
    body: str
    account_number: str | None
    agent: str | None
    links: dict[str, Any]
    data: dict[str, Any]

    @staticmethod
    def resolve_account_number(obj: Interaction) -> str | None:
        return obj.account.number if obj.account is not None else None

    @staticmethod
    def resolve_agent(obj: Interaction) -> str | None:
        return str(obj.agent) if obj.agent is not None else None
