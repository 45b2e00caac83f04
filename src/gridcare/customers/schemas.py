"""API shapes for customers and accounts. Personal data leaves masked by default."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema

from gridcare.core.privacy import mask_address_detail, mask_id_number, mask_mobile, mask_name
from gridcare.core.schemas import NO_NUL, NOT_BLANK, StrictIn, coded
from gridcare.customers.choices import (
    AccountStatus,
    CustomerKind,
    InteractionChannel,
    InteractionDirection,
    TariffClass,
)
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


#: 户号: 13 digits (core.validators.ACCOUNT_NUMBER_RE).
ACCOUNT_NUMBER = r"^[0-9]{13}$"
#: A mainland mobile number as people write it: optional +86, one space or hyphen between
#: digits at most (stored as the 11 digits, core.validators.normalize_mobile).
MOBILE = r"^(\+86[ -]?)?1[3-9]([ -]?[0-9]){9}$"
#: A resident ID number (GB 11643): 17 digits and a check character, which must be right.
ID_NUMBER = r"^[0-9]{17}[0-9Xx]$"
#: The format name of an ID number with a valid check character (not a JSON Schema format:
#: clients that do not know it validate the pattern only; the server checks the digit).
ID_NUMBER_FORMAT = "gb11643-id-number"
#: A comma-separated list of timeline channels (GET …/timeline?channel=hotline,counter).
_CHANNEL = "|".join(InteractionChannel.values)
CHANNEL_LIST = rf"^(({_CHANNEL})(,({_CHANNEL}))*)?$"


class CustomerFilter(Schema):
    q: str = Field(
        "", max_length=100, pattern=NO_NUL, description="户号, mobile, ID number or name prefix"
    )


class TimelineFilter(Schema):
    channel: str = Field("", pattern=CHANNEL_LIST, description="Comma-separated channels")
    direction: InteractionDirection | Literal[""] = ""


class AccountFilter(Schema):
    q: str = Field("", pattern=r"^[0-9]{0,13}$", description="户号 prefix")
    tariff_class: TariffClass | None = None
    status: AccountStatus | None = None


AccountNumber = Annotated[
    str,
    Field(pattern=ACCOUNT_NUMBER),
    coded("customers.account.number_invalid", "户号应为 13 位数字"),
]
#: A 户号 in a path: the pattern also tells `/bindings/request` (POST) from a number.
AccountNumberPath = Path[AccountNumber]


class BindRequestIn(StrictIn):
    account_number: AccountNumber


class BindRequestOut(Schema):
    sent_to: str
    expires_at: dt.datetime


class BindConfirmIn(StrictIn):
    account_number: AccountNumber
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code sent by SMS.")


class CustomerCreateIn(StrictIn):
    kind: CustomerKind
    name: Annotated[
        str,
        Field(min_length=1, max_length=100, pattern=NOT_BLANK),
        coded(
            "customers.customer.name_required",
            "客户名称不能为空",
            string_too_long=("customers.customer.name_too_long", "客户名称最多 100 个字符"),
        ),
    ]
    mobile: Annotated[
        str,
        Field(pattern=MOBILE),
        coded("core.mobile.invalid", "手机号格式不正确，应为 11 位数字"),
    ]
    id_number: Annotated[
        str,
        Field(
            pattern=rf"{ID_NUMBER}|^$",
            description="Empty, or 18 characters whose last is the GB 11643 check character "
            "(an ID number registered to another customer is a 409).",
            json_schema_extra={"format": ID_NUMBER_FORMAT},
        ),
        coded("core.id_number.invalid", "身份证号码不正确（应为 18 位且校验位正确）"),
    ] = ""


class RevealIn(StrictIn):
    field: Annotated[
        Literal["name", "mobile", "id_number"],
        coded("core.pii.unknown_field", "不支持查看该字段"),
    ]


class RevealOut(Schema):
    field: str
    value: str


class InteractionDataIn(StrictIn):
    """What a channel's record carries: a hotline call its recording and duration, a
    counter visit its queue number and times (required for those channels)."""

    recording_ref: str | None = Field(None, max_length=128, pattern=NOT_BLANK)
    duration_seconds: int | None = Field(None, ge=0, le=86_400)
    call_id: str | None = Field(None, max_length=128, pattern=NO_NUL)
    queue_number: str | None = Field(None, max_length=32, pattern=NOT_BLANK)
    wait_seconds: int | None = Field(None, ge=0, le=86_400)
    service_seconds: int | None = Field(None, ge=0, le=86_400)


def _required_data(channel: str, fields: list[str]) -> dict[str, Any]:
    """JSON Schema: a record of `channel` must carry `fields` (non-null) in `data`."""
    present = {name: {"not": {"type": "null"}} for name in fields}
    return {
        "if": {"properties": {"channel": {"const": channel}}, "required": ["channel"]},
        "then": {
            "required": ["data"],
            "properties": {"data": {"required": fields, "properties": present}},
        },
    }


class InteractionIn(StrictIn):
    """A contact to put on the timeline. `data` by channel: hotline `recording_ref`,
    `duration_seconds` (and optional `call_id`); counter `queue_number`, `wait_seconds`,
    `service_seconds`."""

    model_config = StrictIn.model_config | {
        "json_schema_extra": {
            "allOf": [
                _required_data(InteractionChannel.HOTLINE, ["recording_ref", "duration_seconds"]),
                _required_data(
                    InteractionChannel.COUNTER, ["queue_number", "wait_seconds", "service_seconds"]
                ),
            ]
        }
    }

    channel: InteractionChannel
    direction: InteractionDirection = InteractionDirection.INBOUND
    summary: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    body: str = Field("", max_length=5000, pattern=NO_NUL)
    occurred_at: dt.datetime | None = Field(
        None,
        description="When the contact happened (default: now). Not before 2000-01-01 and "
        "at most one day after the server's clock; anything else is a 400 "
        "(`customers.interaction.occurred_at_out_of_range`).",
    )
    account_number: str | None = Field(None, pattern=ACCOUNT_NUMBER)
    external_id: str = Field("", max_length=128, pattern=NO_NUL)
    data: InteractionDataIn = Field(default_factory=lambda: InteractionDataIn.model_validate({}))


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
