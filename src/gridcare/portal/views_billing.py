"""The customer's bill pages: 我的账单 (bills of each bound account), a bill with its lines
explained and compared, its PDF, 缴费记录 (payments) and the prepaid balance (余额).

Thin: `billing.selectors.bills` reads, scoped to the login's bound accounts (anything else
is a 404, the same as a number that does not exist); `billing.labels` words the lines.
Paying is in views_billing_pay, the calculator in views_billing_quote.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from gridcare.billing.labels import explain
from gridcare.billing.pdf import bill_pdf
from gridcare.billing.selectors import bills as bill_selectors
from gridcare.billing.selectors.bills import BillingAccount
from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.core.params import parse_text
from gridcare.core.web import customer_required
from gridcare.portal.charts_billing import comparison_chart

#: An account number is 13 digits; anything longer is not one.
NUMBER_MAX = 32


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def choose_account(
    request: HttpRequest, accounts: list[BillingAccount], *, prefer_prepaid: bool = False
) -> BillingAccount | None:
    """The account named by `?account=` (404 if it is not one of the login's), else the
    first (the first prepaid one where that is what the page is about)."""
    wanted = parse_text(request.GET.get("account"), field="account", max_length=NUMBER_MAX)
    if wanted:
        for account in accounts:
            if account.number == wanted:
                return account
        raise NotFound("customers.account.not_found", "户号不存在")
    if prefer_prepaid:
        return next((a for a in accounts if a.is_prepaid), accounts[0] if accounts else None)
    return accounts[0] if accounts else None


def _switch_context(
    request: HttpRequest, *, prefer_prepaid: bool = False
) -> tuple[BillingAccount | None, dict[str, Any]]:
    accounts = bill_selectors.billing_accounts(user=_user(request))
    chosen = choose_account(request, accounts, prefer_prepaid=prefer_prepaid)
    return chosen, {"accounts": accounts, "chosen": chosen}


@customer_required
def bills_view(request: HttpRequest) -> HttpResponse:
    """我的账单: the chosen account's bills, newest first, and what it owes."""
    chosen, context = _switch_context(request)
    if chosen is not None:
        context["rows"] = bill_selectors.bills_of_account(user=_user(request), number=chosen.number)
        context["dues"] = bill_selectors.account_dues(user=_user(request), number=chosen.number)
    return render(request, "portal/billing/bills.html", context)


@customer_required
def bill_view(request: HttpRequest, number: str) -> HttpResponse:
    """A bill: lines as quantity × price, tiers and time-of-use in words, the comparison
    with last month and last year, the correction links, the PDF."""
    detail = bill_selectors.bill_detail(user=_user(request), number=number)
    bill = detail.bill
    context = {
        "detail": detail,
        "bill": bill,
        "explanations": explain(
            lines=detail.lines, total_kwh=bill.energy_kwh, windows=detail.windows
        ),
        "chart": comparison_chart(detail.comparison),
    }
    return render(request, "portal/billing/bill.html", context)


@customer_required
def bill_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    """The bill as a PDF download (the login's own bills only)."""
    detail = bill_selectors.bill_detail(user=_user(request), number=number)
    bill = detail.bill
    content = bill_pdf(
        detail=detail,
        explanations=explain(lines=detail.lines, total_kwh=bill.energy_kwh, windows=detail.windows),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=f"gridcare-bill-{bill.number}.pdf")
        or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    # A bill is personal: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@customer_required
def payments_view(request: HttpRequest) -> HttpResponse:
    """缴费记录: the chosen account's payments, newest first."""
    chosen, context = _switch_context(request)
    if chosen is not None:
        context["payments"] = bill_selectors.payments_of_account(
            user=_user(request), number=chosen.number
        )
    return render(request, "portal/billing/payments.html", context)


@customer_required
def balance_view(request: HttpRequest) -> HttpResponse:
    """余额: a prepaid account's balance, its recent daily deductions and the top-up."""
    chosen, context = _switch_context(request, prefer_prepaid=True)
    if chosen is not None and chosen.is_prepaid:
        context["summary"] = bill_selectors.prepaid_summary(
            user=_user(request), number=chosen.number
        )
    return render(request, "portal/billing/balance.html", context)
