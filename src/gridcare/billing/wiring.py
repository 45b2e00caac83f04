"""The billing use cases the API and the console call that other parts of issue 25 own
(payments, refunds, reconciliation, the quote, the bill PDF): one function each, so the
edges reach each in one place and agree on what its refusals mean over HTTP.

A refusal that depends on what is stored (a paid bill, a refund larger than what is left,
a tariff that needs the time-of-use split) is a 409, a month without prices a 404: a
request the OpenAPI document calls valid is never a 400 (the fuzz test's rule).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gridcare.billing.choices import Provider
from gridcare.billing.labels import explain
from gridcare.billing.labels import line_label as _line_label
from gridcare.billing.models import Bill, CallbackRecord, Payment, Refund
from gridcare.billing.pdf import bill_pdf as _bill_pdf
from gridcare.billing.selectors.bills import bill_detail
from gridcare.billing.selectors.payments import offline_payment_recorded
from gridcare.billing.services import payments as payment_services
from gridcare.billing.services.quote import Quote
from gridcare.billing.services.quote import quote as _quote
from gridcare.billing.services.reconcile import callback_resolve as _callback_resolve
from gridcare.billing.services.refunds import refund_create as _refund_create
from gridcare.core.errors import Conflict, DomainError, NotFound
from gridcare.core.models import User
from gridcare.customers.models import Account

#: Refusals that depend on what is stored, not on the request's shape, and their status.
_STORED_STATE: dict[str, type[DomainError]] = {
    "billing.payment.bill": Conflict,
    "billing.refund.not_paid": Conflict,
    "billing.refund.too_much": Conflict,
    "billing.quote.tou_needed": Conflict,
    "billing.quote.demand_needed": Conflict,
    "billing.quote.no_version": NotFound,
}


def _restated(exc: DomainError) -> DomainError:
    status = _STORED_STATE.get(exc.code)
    if status is None or isinstance(exc, status):
        return exc
    return status(exc.code, exc.message, field=exc.field)


def quote(
    *,
    tariff_code: str,
    month: dt.date,
    kwh: Decimal | None = None,
    peak: Decimal | None = None,
    flat: Decimal | None = None,
    valley: Decimal | None = None,
    critical: Decimal | None = None,
    max_demand_kw: Decimal | None = None,
    capacity_kva: Decimal | None = None,
    many_members: bool = False,
) -> Quote:
    """电费试算 (services.quote): the month's lines and total for the given usage."""
    try:
        return _quote(
            tariff_code=tariff_code,
            month=month,
            kwh=kwh,
            peak=peak,
            flat=flat,
            valley=valley,
            critical=critical,
            max_demand_kw=max_demand_kw,
            capacity_kva=capacity_kva,
            many_members=many_members,
        )
    except DomainError as exc:
        raise _restated(exc) from exc


def line_label(item: str, name: str = "") -> str:
    """A bill line's name as customers read it (billing.labels)."""
    return _line_label(item, name)


def bill_pdf(*, user: User, number: str) -> bytes:
    """The bill as the portal's PDF (lines, the tiers and time-of-use in words)."""
    detail = bill_detail(user=user, number=number)
    explanations = explain(
        lines=detail.lines, total_kwh=detail.bill.energy_kwh, windows=detail.windows
    )
    return _bill_pdf(detail=detail, explanations=explanations)


def online_payment_create(
    *,
    actor: User,
    account: Account,
    provider: str,
    device: str,
    bill: Bill | None = None,
    amount: Decimal | None = None,
) -> Payment:
    """A WeChat Pay / Alipay order for `bill` (by default what it still asks for) or a
    top-up of `amount`; the payment carries the checkout (QR content or redirect URL)."""
    if amount is None and bill is not None:
        amount = bill.total - bill.paid
    try:
        return payment_services.payment_create(
            actor=actor,
            account=account,
            provider=provider,
            amount=amount,  # type: ignore[arg-type]  # the schema gives a bill or an amount
            bill=bill,
            device=device,
        )
    except DomainError as exc:
        raise _restated(exc) from exc


def counter_payment_record(
    *,
    actor: User,
    account: Account,
    provider: str,
    amount: Decimal,
    reference: str,
    bill: Bill | None = None,
) -> Payment:
    """Cash (`reference`: the receipt number) or a bank transfer (the bank's serial) taken
    at the counter, applied at once; the same (`provider`, `reference`) again returns the
    first payment (another account or amount with it is a 409)."""
    # A form submitted twice: the first payment, before the service's checks (which would
    # refuse the bill the first submission has paid meanwhile).
    found = offline_payment_recorded(
        provider=provider, reference=reference, account_id=account.pk, amount=amount
    )
    if found is not None:
        return found
    try:
        if provider == Provider.BANK_TRANSFER:
            return payment_services.payment_record_transfer(
                actor=actor, account=account, amount=amount, reference=reference, bill=bill
            )
        return payment_services.payment_record_counter(
            actor=actor, account=account, amount=amount, receipt_number=reference, bill=bill
        )
    except DomainError as exc:
        raise _restated(exc) from exc


def refund_create(*, actor: User, payment: Payment, amount: Decimal, reason: str) -> Refund:
    try:
        return _refund_create(actor=actor, payment=payment, amount=amount, reason=reason)
    except DomainError as exc:
        raise _restated(exc) from exc


def callback_resolve(
    *,
    actor: User,
    record: CallbackRecord,
    resolution: str,
    note: str = "",
    account: Account | None = None,
) -> CallbackRecord:
    """Settle a callback of the reconciliation list: `applied` (to the order it named, or
    to `account` when the order is unknown) or `dismissed` (settled outside GridCare; the
    note says how)."""
    return _callback_resolve(
        actor=actor, record=record, resolution=resolution, note=note, account=account
    )
