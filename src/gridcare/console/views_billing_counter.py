"""营业厅收费 (counter payment) and 对账 (reconciliation of provider callbacks).

A clerk finds the account by 户号, sees its balance and unpaid bills, and records cash or
a bank transfer; the receipt page follows (POST → redirect → GET, so a reload does not
post again). Each rendered form carries a token that becomes the payment's idempotency
key (the receipt reference when none is typed), so a double-submitted form is one payment.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.billing import wiring
from gridcare.billing.choices import Provider
from gridcare.billing.schemas import AMOUNT, AMOUNT_MESSAGE, REFERENCE
from gridcare.billing.selectors import accounts, payments
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import BadParameter, parse_choice, parse_int, parse_text
from gridcare.core.roles import RECONCILE_PAYMENTS, TAKE_PAYMENT
from gridcare.core.web import staff_required

COUNTER_PROVIDERS = (Provider.COUNTER_CASH, Provider.BANK_TRANSFER)
_TOKEN = re.compile(r"[0-9a-f]{32}")
PAGE_SIZE = 25
NOTE_MAX_LENGTH = 200
FORM_FIELDS = ("amount", "reference", "provider", "bill")
#: How a listed callback is settled (billing.services.reconcile: CallbackResolution).
RESOLUTIONS = ("applied", "dismissed")


def parse_amount(value: str | None, *, field: str = "amount") -> Decimal:
    """What a clerk types as yuan: "128.5", "1,280.00", "¥128", full-width digits; at most
    two decimals and more than zero, else a 400 saying so."""
    raw = unicodedata.normalize("NFKC", value or "").strip()
    raw = raw.removeprefix("¥").replace(",", "").strip()
    if not re.fullmatch(AMOUNT, raw):
        raise BadParameter("billing.amount.invalid", AMOUNT_MESSAGE, field=field)
    return Decimal(raw)


def _reference(post: Any, provider: str, token: str) -> str:
    reference = parse_text(post.get("reference"), field="reference", max_length=64)
    if not reference and provider == Provider.BANK_TRANSFER:
        raise BadParameter(
            "billing.payment.reference_required", "银行转账请填写银行流水号", field="reference"
        )
    if reference and not re.fullmatch(REFERENCE, reference):
        raise BadParameter(
            "billing.payment.receipt_invalid",
            "收据号/银行流水号应为 1 到 64 位字母、数字或 -_/",
            field="reference",
        )
    # Cash without a receipt-book number: the form's token stands in for one.
    return reference or f"CASH-{token}"


def _record(request: HttpRequest, user: User, account: Any) -> Any:
    post = request.POST
    token = post.get("token", "")
    if not _TOKEN.fullmatch(token):
        raise BadParameter("console.counter.bad_token", "表单已失效，请刷新后重试", field="token")
    provider = parse_choice(
        post.get("provider"), field="provider", choices=COUNTER_PROVIDERS, default=""
    )
    if not provider:
        raise BadParameter("billing.payment.provider_required", "请选择收款方式", field="provider")
    amount = parse_amount(post.get("amount"))
    bill_number = parse_text(post.get("bill"), field="bill", max_length=24)
    bill = (
        accounts.bill_get_for_user(user=user, number=bill_number, account_number=account.number)
        if bill_number
        else None
    )
    return wiring.counter_payment_record(
        actor=user,
        account=account,
        provider=provider,
        amount=amount,
        reference=_reference(post, provider, token),
        bill=bill,
    )


@staff_required(TAKE_PAYMENT)
def counter_payment_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    source = request.POST if request.method == "POST" else request.GET
    number = parse_text(source.get("account"), field="account", max_length=13)
    account, error = None, None
    if number:
        try:
            account = accounts.billing_account_get_for_user(user=request.user, number=number)
        except DomainError as exc:
            error = exc
    if request.method == "POST" and account is not None:
        try:
            payment = _record(request, request.user, account)
            messages.success(
                request, _("Payment %(number)s recorded.") % {"number": payment.out_trade_no}
            )
            return redirect("console:billing_receipt", number=payment.out_trade_no)
        except DomainError as exc:
            error = exc
    balance = accounts.balance_of(account=account, today=timezone.localdate()) if account else None
    context = {
        "number": number,
        "account": account,
        "balance": balance,
        "unpaid": list(accounts.unpaid_bills_of(account=account)) if account else [],
        # A field's refusal shows under the field, anything else above the form.
        "error": error if error is not None and error.field in FORM_FIELDS else None,
        "page_error": error if error is not None and error.field not in FORM_FIELDS else None,
        "form": request.POST if error else {},
        "token": request.POST.get("token") if error else uuid.uuid4().hex,
        "providers": [(p.value, p.label) for p in COUNTER_PROVIDERS],
    }
    status = error.status if error else 200
    return render(request, "console/billing/counter.html", context, status=status)


@staff_required(RECONCILE_PAYMENTS)
def reconciliation_view(request: HttpRequest) -> HttpResponse:
    """对账: provider callbacks that were verified but could not be applied."""
    assert isinstance(request.user, User)
    return _reconciliation_page(request, request.user)


def _reconciliation_page(
    request: HttpRequest, user: User, error: DomainError | None = None
) -> HttpResponse:
    show = parse_choice(request.GET.get("show"), field="show", choices=("", "all"), default="")
    records = payments.reconciliation_list(user=user, include_resolved=show == "all")
    page = Paginator(records, PAGE_SIZE).get_page(
        parse_int(request.GET.get("page"), field="page", default=1, minimum=1)
    )
    context = {"page": page, "show": show, "error": error, "note_max": NOTE_MAX_LENGTH}
    return render(
        request,
        "console/billing/reconciliation.html",
        context,
        status=error.status if error else 200,
    )


@staff_required(RECONCILE_PAYMENTS)
def resolve_view(request: HttpRequest, record_id: int) -> HttpResponse:
    """POST: settle one callback — apply its money (to its order, or to the 户号 typed for
    an unknown order) or dismiss it as settled outside GridCare, with a note."""
    assert isinstance(request.user, User)
    if request.method != "POST":
        return redirect("console:billing_reconciliation")
    record = payments.reconciliation_get_for_user(user=request.user, record_id=record_id)
    post = request.POST
    try:
        resolution = parse_choice(
            post.get("resolution"), field="resolution", choices=RESOLUTIONS, default=""
        )
        if not resolution:
            raise BadParameter("billing.reconcile.resolution", "请选择处理方式", field="resolution")
        number = parse_text(post.get("account"), field="account", max_length=13)
        account = (
            accounts.billing_account_get_for_user(user=request.user, number=number)
            if number
            else None
        )
        wiring.callback_resolve(
            actor=request.user,
            record=record,
            resolution=resolution,
            note=parse_text(post.get("note"), field="note", max_length=NOTE_MAX_LENGTH),
            account=account,
        )
    except DomainError as exc:
        return _reconciliation_page(request, request.user, exc)
    messages.success(request, _("Callback marked as resolved."))
    return redirect("console:billing_reconciliation")
