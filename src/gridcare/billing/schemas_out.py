"""API output shapes of /api/v1/billing: money leaves as a string of yuan with two
decimals, quantities as decimal strings, months as YYYY-MM."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ninja import Schema

from gridcare.billing.schemas import Kwh, LineQuantity, Money, MonthOut
from gridcare.core.api_support import WithExtras


class BillLineOut(Schema):
    position: int
    item: str
    label: str
    quantity: LineQuantity
    unit: str
    unit_price: str
    amount: Money

    @staticmethod
    def resolve_unit_price(obj: Any) -> str:
        return f"{obj.unit_price.normalize():f}"


class BillOut(Schema):
    """A bill. `outstanding` = `total` − `paid`; `replaces`: the bill this one corrects."""

    number: str
    account_number: str
    period: MonthOut
    period_start: dt.date
    period_end: dt.date
    kind: str
    status: str
    tariff_code: str
    payment_mode: str
    energy_kwh: Kwh
    total: Money
    paid: Money
    outstanding: Money
    has_estimates: bool
    issued_at: dt.datetime
    due_date: dt.date
    replaces: str | None

    @staticmethod
    def resolve_account_number(obj: Any) -> str:
        return str(obj.account.number)

    @staticmethod
    def resolve_outstanding(obj: Any) -> Decimal:
        return Decimal(obj.total - obj.paid)

    @staticmethod
    def resolve_replaces(obj: Any) -> str | None:
        return obj.replaces.number if obj.replaces_id else None


class BillDetailOut(BillOut):
    """A bill with its lines (quantity × unit price = amount, rounded half-up to the fen;
    the lines add up to `total`) and the bill that replaced it, if it was corrected."""

    lines: list[BillLineOut]
    replaced_by: str | None

    @staticmethod
    def build(bill: Any, *, replaced_by: Any) -> BillDetailOut:
        detail = WithExtras(
            bill,
            lines=list(bill.lines.all()),
            replaced_by=replaced_by.number if replaced_by is not None else None,
        )
        return BillDetailOut.from_orm(detail)


class LedgerEntryOut(Schema):
    """One movement: `amount` is + in the customer's favour (payments, refunds of charges),
    − for charges (bills, late fees); `balance_after` the running balance."""

    seq: int
    at: dt.datetime
    kind: str
    amount: Money
    balance_after: Money
    memo: str
    bill_number: str | None
    payment_number: str | None

    @staticmethod
    def resolve_bill_number(obj: Any) -> str | None:
        return obj.bill.number if obj.bill_id else None

    @staticmethod
    def resolve_payment_number(obj: Any) -> str | None:
        return obj.payment.out_trade_no if obj.payment_id else None


class BalanceOut(Schema):
    """Where the account stands on `as_of` (today): `balance` is the ledger's sum (negative:
    owed); `outstanding` what unpaid bills ask for, `overdue` the part past due."""

    account_number: str
    tariff_code: str | None
    payment_mode: str | None
    supply_state: str | None
    balance: Money
    outstanding: Money
    overdue: Money
    unpaid_bills: int
    oldest_due_date: dt.date | None
    days_overdue: int
    as_of: dt.date

    @staticmethod
    def of(balance: Any) -> BalanceOut:
        profile = balance.profile
        return BalanceOut(
            account_number=balance.account.number,
            tariff_code=profile.tariff.code if profile else None,
            payment_mode=profile.payment_mode if profile else None,
            supply_state=profile.supply_state if profile else None,
            balance=balance.balance,
            outstanding=balance.outstanding,
            overdue=balance.overdue,
            unpaid_bills=balance.unpaid_bills,
            oldest_due_date=balance.oldest_due_date,
            days_overdue=balance.days_overdue,
            as_of=balance.as_of,
        )


class RefundOut(Schema):
    out_refund_no: str
    amount: Money
    reason: str
    status: str
    created_at: dt.datetime


class PaymentEventOut(Schema):
    kind: str
    at: dt.datetime


class PaymentOut(Schema):
    out_trade_no: str
    account_number: str
    bill_number: str | None
    provider: str
    amount: Money
    refunded: Money
    status: str
    provider_txn_id: str | None
    reference: str
    created_at: dt.datetime
    paid_at: dt.datetime | None
    expires_at: dt.datetime | None

    @staticmethod
    def resolve_account_number(obj: Any) -> str:
        return str(obj.account.number)

    @staticmethod
    def resolve_bill_number(obj: Any) -> str | None:
        return obj.bill.number if obj.bill_id else None


class PaymentDetailOut(PaymentOut):
    events: list[PaymentEventOut]
    refunds: list[RefundOut]


class PaymentCreatedOut(PaymentOut):
    """A new online payment: `checkout` is what the payer's device needs — `code_url` (a QR
    code's content, desktop) or `redirect_url` (phone)."""

    checkout: dict[str, str]


class TariffVersionOut(Schema):
    effective_from: dt.date
    effective_to: dt.date | None
    basis: str


class TariffOut(Schema):
    """A tariff with the version in force today: `energy` its prices per time-of-use bucket
    (`all` for a single price), `time_of_use` whether a quote needs the split, `ladder`
    monthly / annual / null, `basic_charge` whether it is two-part, `funds` the surcharges."""

    code: str
    name: str
    tariff_class: str
    current: TariffVersionOut | None
    energy: dict[str, str]
    time_of_use: bool
    ladder: str | None
    basic_charge: bool
    funds: list[str]

    @staticmethod
    def of(summary: Any) -> TariffOut:
        version = summary.version
        return TariffOut(
            code=summary.tariff.code,
            name=summary.tariff.name,
            tariff_class=summary.tariff.tariff_class,
            current=TariffVersionOut.from_orm(version) if version is not None else None,
            energy={bucket: f"{price:f}" for bucket, price in summary.energy.items()},
            time_of_use=summary.time_of_use,
            ladder=summary.ladder,
            basic_charge=summary.basic_charge,
            funds=summary.funds,
        )


class QuoteLineOut(Schema):
    item: str
    name: str
    quantity: str
    unit: str
    unit_price: str
    amount: Money


class QuoteOut(Schema):
    """The month's bill as the tariff prices it: lines (quantity × unit price = amount,
    rounded half-up to the fen) and their sum."""

    tariff_code: str
    month: str
    total: Money
    lines: list[QuoteLineOut]

    @staticmethod
    def build(
        tariff_code: str, month: str, result: Any, *, label: Callable[[str, str], str]
    ) -> QuoteOut:
        lines = [
            QuoteLineOut(
                item=line.item,
                name=label(line.item, line.name),
                quantity=f"{line.quantity:f}",
                unit=line.unit,
                unit_price=f"{line.unit_price:f}",
                amount=line.amount,
            )
            for line in result.lines
        ]
        return QuoteOut(tariff_code=tariff_code, month=month, total=result.total, lines=lines)
