"""Console billing pages (电费): an account's ledger with its running balance, payment
search, and a payment's printable receipt. Thin over billing.selectors; a record outside
the reader's scope raises NotFound, which the error middleware answers with a 404."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gridcare.billing.choices import PaymentStatus, Provider
from gridcare.billing.selectors import accounts, payments
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_date, parse_int, parse_text
from gridcare.core.roles import VIEW_BILLING
from gridcare.core.web import staff_required

LEDGER_PAGE_SIZE = 50
PAGE_SIZE = 25
#: A 户号 is 13 digits; a payment number, receipt or bank reference at most 64 characters.
ACCOUNT_MAX_LENGTH = 13
NUMBER_MAX_LENGTH = 64


def _page_number(request: HttpRequest) -> int:
    return parse_int(request.GET.get("page"), field="page", default=1, minimum=1) or 1


@staff_required(VIEW_BILLING)
def ledger_view(request: HttpRequest, number: str) -> HttpResponse:
    """台账: every movement of money on the account, newest first, each with the balance
    after it, under the account's balance, what it owes and how long overdue."""
    assert isinstance(request.user, User)
    account = accounts.billing_account_get_for_user(user=request.user, number=number)
    page = Paginator(accounts.ledger_of(account=account), LEDGER_PAGE_SIZE).get_page(
        _page_number(request)
    )
    context = {
        "account": account,
        "balance": accounts.balance_of(account=account, today=timezone.localdate()),
        "unpaid": accounts.unpaid_bills_of(account=account),
        "page": page,
    }
    return render(request, "console/billing/ledger.html", context)


def _payment_filters(request: HttpRequest) -> payments.PaymentFilters:
    get = request.GET
    return payments.PaymentFilters(
        account_number=parse_text(
            get.get("account"), field="account", max_length=ACCOUNT_MAX_LENGTH
        ),
        number=parse_text(get.get("number"), field="number", max_length=NUMBER_MAX_LENGTH),
        provider=parse_choice(get.get("provider"), field="provider", choices=Provider, default=""),
        status=parse_choice(get.get("status"), field="status", choices=PaymentStatus, default=""),
        created_from=parse_date(get.get("from"), field="from"),
        created_to=parse_date(get.get("to"), field="to"),
    )


@staff_required(VIEW_BILLING)
def payments_view(request: HttpRequest) -> HttpResponse:
    """缴费查询: payments in the reader's scope by account, number (payment, provider
    transaction, receipt or bank reference), provider, status and day."""
    assert isinstance(request.user, User)
    filters = _payment_filters(request)
    found = payments.payment_search(user=request.user, filters=filters)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": Paginator(found, PAGE_SIZE).get_page(_page_number(request)),
        "filters": filters,
        "query": query.urlencode(),
        "providers": Provider.choices,
        "statuses": PaymentStatus.choices,
    }
    return render(request, "console/billing/payments.html", context)


@staff_required(VIEW_BILLING)
def receipt_view(request: HttpRequest, number: str) -> HttpResponse:
    """缴费凭证: one payment as a printable receipt (print styles hide the console)."""
    assert isinstance(request.user, User)
    payment = payments.payment_get_for_user(user=request.user, out_trade_no=number)
    context = {
        "payment": payment,
        "entry": payments.payment_ledger_entry(payment=payment),
        "printed_at": timezone.now(),
    }
    return render(request, "console/billing/receipt.html", context)
