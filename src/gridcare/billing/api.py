"""/api/v1/billing: bills, the account ledger and balance, payments (online, at the
counter, refunds), the bill calculator (电费试算) and the tariffs. Thin: parse → one
selector or use case → output schema; the scope lives in `billing.selectors`, the rules in
the services (reached through `billing.wiring`)."""

from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Query, Router, Status
from ninja.pagination import paginate

from gridcare.billing import wiring
from gridcare.billing.models import Bill, LedgerEntry, Payment
from gridcare.billing.schemas import (
    BillFilter,
    BillNumberPath,
    CounterPaymentIn,
    PaymentCreateIn,
    PaymentFilter,
    PaymentNumberPath,
    QuoteIn,
    RefundIn,
    month_start,
)
from gridcare.billing.schemas_out import (
    BalanceOut,
    BillDetailOut,
    BillOut,
    LedgerEntryOut,
    PaymentCreatedOut,
    PaymentDetailOut,
    PaymentOut,
    QuoteOut,
    RefundOut,
    TariffOut,
)
from gridcare.billing.selectors import accounts, payments, tariffs
from gridcare.core.api_support import (
    AUTH,
    Pages,
    acting_user,
    require_customer,
    require_staff_perm,
)
from gridcare.core.models import User
from gridcare.core.roles import REFUND_PAYMENT, TAKE_PAYMENT, VIEW_BILLING
from gridcare.core.schemas import WRITE_ERRORS, ErrorOut
from gridcare.customers.schemas import AccountNumberPath

router = Router(tags=["billing"], auth=AUTH)
ERRORS = {**WRITE_ERRORS, 503: ErrorOut}


def _reader(request: HttpRequest) -> User:
    """Customers read their own accounts; staff need `billing.view_bill` (else 403)."""
    user = acting_user(request)
    if not user.is_customer:
        require_staff_perm(user, VIEW_BILLING)
    return user


def _bill_of(user: User, account_number: str, bill_number: str | None) -> Bill | None:
    """The bill a payment names, which must be one of the account's (else 404)."""
    if bill_number is None:
        return None
    return accounts.bill_get_for_user(user=user, number=bill_number, account_number=account_number)


@router.get("/bills", response={200: list[BillOut], **ERRORS})
@paginate(Pages, page_size=20)
def bill_list(request: HttpRequest, filters: Query[BillFilter]) -> QuerySet[Bill]:
    """The bills you may read (customers: of their bound accounts; staff: of their org
    scope), newest month first."""
    return accounts.bill_search(
        user=_reader(request),
        account_number=filters.account or "",
        period=month_start(filters.period) if filters.period else None,
        status=filters.status or "",
    )


# Before /bills/{number}: Django resolves the first matching path.
@router.get(
    "/bills/{number}.pdf",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The bill as a PDF (Content-Disposition: attachment)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def bill_pdf(request: HttpRequest, number: BillNumberPath) -> HttpResponse:
    """The bill as a PDF with its fonts embedded (the portal's 电费账单)."""
    user = _reader(request)
    bill = accounts.bill_get_for_user(user=user, number=number)  # the scope: else 404
    response = HttpResponse(
        wiring.bill_pdf(user=user, number=bill.number), content_type="application/pdf"
    )
    filename = f"gridcare-bill-{bill.number}.pdf"
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # a bill is personal
    return response


@router.get("/bills/{number}", response={200: BillDetailOut, **ERRORS})
def bill_detail(request: HttpRequest, number: BillNumberPath) -> BillDetailOut:
    """One bill with its lines; outside your scope it is a 404, as a missing one."""
    bill = accounts.bill_get_for_user(user=_reader(request), number=number)
    return BillDetailOut.build(bill, replaced_by=accounts.bill_replacement(bill))


@router.get("/accounts/{number}/ledger", response={200: list[LedgerEntryOut], **ERRORS})
@paginate(Pages, page_size=50)
def ledger(request: HttpRequest, number: AccountNumberPath) -> QuerySet[LedgerEntry]:
    """Every movement of money on the account, newest first, with the balance after it."""
    return accounts.ledger_for_user(user=_reader(request), number=number)


@router.get("/accounts/{number}/balance", response={200: BalanceOut, **ERRORS})
def balance(request: HttpRequest, number: AccountNumberPath) -> BalanceOut:
    """The account's balance today, what its unpaid bills ask for and how long overdue."""
    found = accounts.account_balance(
        user=_reader(request), number=number, today=timezone.localdate()
    )
    return BalanceOut.of(found)


@router.get("/payments", response={200: list[PaymentOut], **ERRORS})
@paginate(Pages, page_size=20)
def payment_list(request: HttpRequest, filters: Query[PaymentFilter]) -> QuerySet[Payment]:
    """Search payments in your scope (customers: their own), newest first."""
    search = payments.PaymentFilters(
        account_number=filters.account or "",
        number=filters.number,
        provider=filters.provider or "",
        status=filters.status or "",
        created_from=filters.created_from,
        created_to=filters.created_to,
    )
    return payments.payment_search(user=_reader(request), filters=search)


@router.post("/payments", response={201: PaymentCreatedOut, **ERRORS})
def payment_create(request: HttpRequest, payload: PaymentCreateIn) -> Status[Payment]:
    """Customers: pay a bill or top up one of their accounts by WeChat Pay or Alipay. The
    answer's `checkout` is the QR code content (desktop) or the app redirect (phone); the
    payment is applied when the provider's callback arrives."""
    user = acting_user(request)
    require_customer(user)
    account = accounts.billing_account_get_for_user(user=user, number=payload.account_number)
    payment = wiring.online_payment_create(
        actor=user,
        account=account,
        bill=_bill_of(user, account.number, payload.bill_number),
        amount=Decimal(payload.amount) if payload.amount is not None else None,
        provider=payload.provider,
        device=payload.device,
    )
    return Status(201, payment)


# Before /payments/{out_trade_no}: Django resolves the first matching path.
@router.post("/payments/counter", response={201: PaymentOut, **ERRORS})
def counter_payment(request: HttpRequest, payload: CounterPaymentIn) -> Status[Payment]:
    """Business-hall clerks: record cash or a bank transfer, applied at once. The same
    receipt number again (same provider) answers 201 with the first payment."""
    user = acting_user(request)
    require_staff_perm(user, TAKE_PAYMENT)
    account = accounts.billing_account_get_for_user(user=user, number=payload.account_number)
    payment = wiring.counter_payment_record(
        actor=user,
        account=account,
        bill=_bill_of(user, account.number, payload.bill_number),
        amount=Decimal(payload.amount),
        provider=payload.provider,
        reference=payload.receipt_number,
    )
    return Status(201, payment)


@router.get("/payments/{out_trade_no}", response={200: PaymentDetailOut, **ERRORS})
def payment_detail(request: HttpRequest, out_trade_no: PaymentNumberPath) -> Payment:
    """One payment with its events and refunds."""
    return payments.payment_get_for_user(user=_reader(request), out_trade_no=out_trade_no)


@router.post("/payments/{out_trade_no}/refunds", response={201: RefundOut, **ERRORS})
def refund_create(
    request: HttpRequest, out_trade_no: PaymentNumberPath, payload: RefundIn
) -> Status[object]:
    """Managers: refund part or all of a paid payment through its provider."""
    user = acting_user(request)
    require_staff_perm(user, REFUND_PAYMENT)
    payment = payments.payment_get_for_user(user=user, out_trade_no=out_trade_no)
    refund = wiring.refund_create(
        actor=user, payment=payment, amount=Decimal(payload.amount), reason=payload.reason
    )
    return Status(201, refund)


@router.post("/quote", response={200: QuoteOut, **ERRORS})
def quote(request: HttpRequest, payload: QuoteIn) -> QuoteOut:
    """电费试算: what a month's usage costs on a tariff, line by line (no account needed;
    any logged-in user or token)."""
    acting_user(request)
    result = wiring.quote(
        tariff_code=payload.tariff_code,
        month=month_start(payload.month),
        many_members=payload.many_members,
        **{
            name: None if value is None else Decimal(str(value))
            for name, value in payload.quantities().items()
        },
    )
    return QuoteOut.build(payload.tariff_code, payload.month, result, label=wiring.line_label)


@router.get("/tariffs", response={200: list[TariffOut], **ERRORS})
def tariff_list(request: HttpRequest) -> list[TariffOut]:
    """Every tariff with the version in force today (what the quote can price)."""
    acting_user(request)
    return [TariffOut.of(s) for s in tariffs.tariffs_in_force(day=timezone.localdate())]
