"""API input shapes of /api/v1/billing and the types the outputs share (schemas_out.py
holds the outputs). Money leaves and enters as a string of yuan with two
decimals ("128.50"): never a binary float. Quantities for the quote are JSON numbers.

Every constraint the server enforces is stated here (the fuzz test holds the document to
it): a request the document calls valid is answered 2xx, or 401/403/404/409/429 for who
asks and what is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from ninja import Field, Path, Schema
from pydantic import BeforeValidator, model_validator
from pydantic_core import PydanticCustomError

from gridcare.billing.choices import BillStatus, PaymentStatus, Provider
from gridcare.core.schemas import NOT_BLANK, StrictIn, coded
from gridcare.customers.schemas import AccountNumber

#: 账单编号 / 缴费单号 (out_trade_no): letters, digits, "-" and "_" (WeChat Pay allows these
#: in an out_trade_no; 32 characters at most).
BILL_NUMBER = r"^[0-9A-Za-z_-]{1,24}$"
PAYMENT_NUMBER = r"^[0-9A-Za-z_-]{1,32}$"
#: A month written YYYY-MM, 2000-01 … 2100-12.
MONTH = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"


def amount_pattern(maximum: int) -> str:
    """A positive amount of yuan with at most two decimals, up to `maximum` (the payment
    services' PAY_MAX_AMOUNT). A power of ten is stated exactly (1,000,000 → up to six
    digits, or 1000000 itself); any other maximum conservatively, below its magnitude.

    >>> import re
    >>> pattern = amount_pattern(1_000_000)
    >>> [bool(re.fullmatch(pattern, v)) for v in ("0.01", "999999.99", "1000000.00", "1000000.01", "0")]
    [True, True, True, False, False]
    """
    digits = len(str(maximum))
    exact = str(maximum) == "1" + "0" * (digits - 1)
    whole = rf"[1-9][0-9]{{0,{digits - 2}}}(\.[0-9]{{1,2}})?" if digits > 1 else ""
    top = rf"|{maximum}(\.00?)?" if exact else ""
    fraction = r"0\.([1-9][0-9]?|0[1-9])"
    return rf"^({whole}|{fraction}{top})$" if whole else rf"^({fraction}{top})$"


#: A positive amount of yuan, at most two decimals, up to the payment services' maximum.
AMOUNT = amount_pattern(settings.PAY_MAX_AMOUNT)
AMOUNT_MESSAGE = (
    f"金额应为 0.01 到 {settings.PAY_MAX_AMOUNT:,} 元之间的数字，最多两位小数，例如 128.50"
)
#: Amounts as they leave: signed, always two decimals.
MONEY_OUT = r"^-?[0-9]+\.[0-9]{2}$"
#: A receipt or bank reference: one line of letters, digits and "-", "_", "/".
REFERENCE = r"^[0-9A-Za-z_/-]{1,64}$"
ONE_LINE_TEXT = r"^[^\x00-\x1f\x7f]*$"
#: The largest quantity a quote takes (kWh a month, kW of demand).
QUANTITY_MAX = 100_000_000


def _money(value: Any) -> Any:
    """Decimal → "-12.30"; anything else is left for the type check."""
    return f"{value:.2f}" if isinstance(value, Decimal | int) else value


def _kwh(value: Any) -> Any:
    return f"{value:.3f}" if isinstance(value, Decimal | int) else value


def _month(value: Any) -> Any:
    return f"{value:%Y-%m}" if isinstance(value, dt.date) else value


Money = Annotated[
    str, BeforeValidator(_money), Field(pattern=MONEY_OUT, description="Yuan, 2 decimals")
]
Kwh = Annotated[str, BeforeValidator(_kwh), Field(description="kWh, 3 decimals")]
#: A bill line's quantity in its `unit` (kWh, kVA·month, kW·month), 3 decimals.
LineQuantity = Annotated[str, BeforeValidator(_kwh)]
MonthOut = Annotated[str, BeforeValidator(_month), Field(description="YYYY-MM")]

Amount = Annotated[
    str,
    Field(
        pattern=AMOUNT,
        max_length=16,
        description=f'Yuan as a string, e.g. "128.50"; 0.01 to {settings.PAY_MAX_AMOUNT:,}',
    ),
    coded("billing.amount.invalid", AMOUNT_MESSAGE),
]
BillNumber = Annotated[
    str,
    Field(pattern=BILL_NUMBER, max_length=24),
    coded("billing.bill.number_invalid", "账单编号格式不正确"),
]
PaymentNumber = Annotated[
    str,
    Field(pattern=PAYMENT_NUMBER, max_length=32),
    coded("billing.payment.number_invalid", "缴费单号格式不正确"),
]
BillNumberPath = Path[BillNumber]
PaymentNumberPath = Path[PaymentNumber]
Month = Annotated[
    str,
    Field(pattern=MONTH, max_length=7, description="YYYY-MM"),
    coded("billing.month.invalid", "月份应写作 YYYY-MM，例如 2026-11"),
]


def iso_day(value: Any) -> Any:
    """A query date must be written YYYY-MM-DD (pydantic would read 0 as 1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("not a YYYY-MM-DD date")
    return value


Day = Annotated[dt.date, BeforeValidator(iso_day)]


def month_start(value: str) -> dt.date:
    """ "2026-11" (already checked against MONTH) → 2026-11-01."""
    year, month = value.split("-")
    return dt.date(int(year), int(month), 1)


# --- Filters ---


class BillFilter(Schema):
    account: AccountNumber = Field(None, description="户号 (13 digits)")  # type: ignore[assignment]
    period: Month = Field(None, description="The billed month, YYYY-MM")  # type: ignore[assignment]
    status: BillStatus | None = None


class PaymentFilter(Schema):
    account: AccountNumber = Field(None, description="户号 (13 digits)")  # type: ignore[assignment]
    number: str = Field(
        "",
        pattern=r"^[0-9A-Za-z_/-]{0,64}$",
        description="A payment number (or its start), the provider's transaction id, or a "
        "receipt / bank reference",
    )
    provider: Provider | None = None
    status: PaymentStatus | None = None
    created_from: Day = Field(None, description="First Beijing day (YYYY-MM-DD)")  # type: ignore[assignment]
    created_to: Day = Field(None, description="Last Beijing day (YYYY-MM-DD), inclusive")  # type: ignore[assignment]


# --- Input ---


class PaymentCreateIn(StrictIn):
    """Pay a bill (`bill_number`; `amount` defaults to what it still asks for, a smaller one
    is a partial payment) or top up the account (no bill: `amount` is required)."""

    model_config = StrictIn.model_config | {
        "json_schema_extra": {"anyOf": [{"required": ["bill_number"]}, {"required": ["amount"]}]}
    }

    account_number: AccountNumber
    bill_number: BillNumber = Field(None)  # type: ignore[assignment]
    amount: Amount = Field(None)  # type: ignore[assignment]
    provider: Literal["wechat", "alipay"]
    device: Literal["desktop", "phone"] = Field(
        "desktop", description="desktop: a QR code to scan; phone: a redirect to the app"
    )

    @model_validator(mode="after")
    def _bill_or_amount(self) -> PaymentCreateIn:
        if self.bill_number is None and self.amount is None:
            raise PydanticCustomError(
                "billing.payment.amount_required", "充值请填写金额（或指定要缴的账单）"
            )
        return self


class CounterPaymentIn(StrictIn):
    """A payment taken at the counter: cash, or a bank transfer seen on the statement.
    `receipt_number` is the receipt (cash) or the bank's reference; the same one again for
    the same provider returns the first payment and records nothing new."""

    account_number: AccountNumber
    bill_number: BillNumber = Field(None)  # type: ignore[assignment]
    amount: Amount
    provider: Literal["counter_cash", "bank_transfer"]
    receipt_number: Annotated[
        str,
        Field(pattern=REFERENCE, max_length=64),
        coded(
            "billing.payment.receipt_invalid", "收据号/银行流水号应为 1 到 64 位字母、数字或 -_/"
        ),
    ]


class RefundIn(StrictIn):
    amount: Amount
    reason: Annotated[
        str,
        Field(min_length=1, max_length=200, pattern=NOT_BLANK),
        coded("billing.refund.reason_required", "请填写退款原因（最多 200 字）"),
    ]


_BUCKETS = ("peak", "flat", "valley", "critical")
Quantity = Annotated[float, Field(ge=0, le=QUANTITY_MAX, allow_inf_nan=False, strict=True)]


class QuoteIn(StrictIn):
    """电费试算. Give the month's total `kwh` for a single-price or tiered tariff, or the
    time-of-use split (`peak`, `flat`, `valley`, and `critical` where the tariff has a
    critical peak) for a time-of-use one (GET /billing/tariffs says which: `time_of_use`);
    `max_demand_kw` (or `capacity_kva`) for a two-part tariff. What the tariff stored for
    the month cannot price is a 409 (time-of-use split or demand needed), a month without
    prices in force a 404."""

    model_config = StrictIn.model_config | {
        "json_schema_extra": {
            "anyOf": [
                {
                    "required": ["kwh"],
                    "not": {"anyOf": [{"required": [name]} for name in _BUCKETS]},
                },
                {"required": ["peak", "flat", "valley"], "not": {"required": ["kwh"]}},
            ]
        }
    }

    tariff_code: str = Field(pattern=r"^[0-9A-Za-z_-]{1,32}$", description="GZ-RES-TIER …")
    month: Month
    kwh: Quantity = Field(None)  # type: ignore[assignment]
    peak: Quantity = Field(None)  # type: ignore[assignment]
    flat: Quantity = Field(None)  # type: ignore[assignment]
    valley: Quantity = Field(None)  # type: ignore[assignment]
    critical: Quantity = Field(None)  # type: ignore[assignment]
    max_demand_kw: Quantity = Field(None)  # type: ignore[assignment]
    capacity_kva: Quantity = Field(  # type: ignore[assignment]
        None, description="A two-part tariff billed by capacity: the transformer kVA"
    )
    many_members: bool = Field(
        False, description="A household with many members (the ladder's thresholds rise)"
    )

    def quantities(self) -> dict[str, float | None]:
        names = ("kwh", *_BUCKETS, "max_demand_kw", "capacity_kva")
        return {name: getattr(self, name) for name in names}

    @model_validator(mode="after")
    def _total_or_split(self) -> QuoteIn:
        split = [getattr(self, name) for name in _BUCKETS]
        total_only = self.kwh is not None and all(value is None for value in split)
        full_split = self.kwh is None and None not in split[:3]
        if not (total_only or full_split):
            raise PydanticCustomError(
                "billing.quote.usage",
                "请填写总电量 kwh，或填写峰 peak、平 flat、谷 valley 电量（尖峰 critical 可选），二者择一",
            )
        return self
