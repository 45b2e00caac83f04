"""Paying a bill, the account's arrears, or topping up a prepaid account, with WeChat Pay or
Alipay: on a computer the provider's QR code (drawn here from the payment's `code_url`),
polled until paid; on a phone a button to the provider's page (`redirect_url`), which
returns to the same page. When the payment has arrived, that page is the result.

Every payment is made by `billing.services.payments` (`_start_payment` is the one call
that creates one; "I have paid" asks the provider through `payment_refresh`); this module
parses the form and renders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from gridcare.billing.choices import PaymentStatus
from gridcare.billing.selectors import bills as bill_selectors
from gridcare.billing.selectors.bills import BillRow, Dues
from gridcare.billing.services.payments import payment_create, payment_refresh
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_text
from gridcare.core.web import customer_required, form_add_domain_error
from gridcare.portal.forms_billing import TOPUP_MAX, PayForm

ZERO = Decimal("0")
#: Suggested top-up amounts (yuan), one tap each.
TOPUP_CHOICES = ("50", "100", "200", "500")
_PHONE_HINTS = ("Mobile", "Android", "iPhone", "MicroMessenger", "AlipayClient")
#: The session's latest checkout, for the provider's way back (`payment_return_view`).
SESSION_CHECKOUT = "billing_checkout"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _start_payment(
    request: HttpRequest, *, account: Any, provider: str, amount: Decimal, bill: Any, device: str
) -> Any:
    """The portal's one call into the payment service. The provider sends a phone back to
    `payment_return_view`, which finds the payment in the session (the order number is only
    known once the payment exists)."""
    payment = payment_create(
        actor=_user(request),
        account=account,
        provider=provider,
        amount=amount,
        bill=bill,
        device=device,
        client_ip=request.META.get("REMOTE_ADDR", ""),
        return_url=request.build_absolute_uri(reverse("portal:billing_payment_return")),
    )
    request.session[SESSION_CHECKOUT] = payment.out_trade_no
    return payment


def _device(request: HttpRequest, form: PayForm) -> str:
    """What the page's script said (screen width), else a guess from the browser."""
    said = form.cleaned_data.get("device")
    if said:
        return str(said)
    agent = request.headers.get("User-Agent", "")
    return "phone" if any(hint in agent for hint in _PHONE_HINTS) else "desktop"


def _what_to_pay(request: HttpRequest, number: str) -> tuple[Dues, BillRow | None, Decimal]:
    """The account's dues, the bill named by `bill` (if any) and the most this payment may
    be: what is left of a bill (with its late fee), what the account owes, or a top-up
    limit."""
    dues = bill_selectors.account_dues(user=_user(request), number=number)
    raw = request.POST.get("bill") if request.method == "POST" else request.GET.get("bill")
    bill_number = parse_text(raw, field="bill", max_length=32)
    row = None
    if bill_number:
        row = bill_selectors.open_bill_get(
            user=_user(request), account_number=number, number=bill_number
        )
    if row is not None:
        return dues, row, row.to_pay
    if dues.account.is_prepaid:
        return dues, None, TOPUP_MAX
    return dues, None, dues.amount_due


@customer_required
def pay_view(request: HttpRequest, number: str) -> HttpResponse:
    """交费 / 充值: choose WeChat Pay or Alipay and the amount (all that is due by default,
    less for a partial payment; any amount up to the limit to top up)."""
    dues, row, maximum = _what_to_pay(request, number)
    topup = dues.account.is_prepaid and row is None
    initial = {} if topup else {"amount": maximum}
    data = request.POST if request.method == "POST" else None
    form = PayForm(data, maximum=maximum if maximum > 0 else Decimal("0.01"), initial=initial)
    status = 200
    if data is not None:
        status = 400
        if maximum <= 0:
            form.add_error(None, _("Nothing is due on this account."))
        elif form.is_valid():
            try:
                payment = _start_payment(
                    request,
                    account=dues.account.account,
                    provider=form.cleaned_data["provider"],
                    amount=form.cleaned_data["amount"],
                    bill=row.bill if row is not None else None,
                    device=_device(request, form),
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = exc.status
            else:
                return redirect("portal:billing_payment", out_trade_no=payment.out_trade_no)
    context = {
        "dues": dues,
        "row": row,
        "topup": topup,
        "maximum": maximum,
        "form": form,
        "topup_choices": TOPUP_CHOICES,
    }
    return render(request, "portal/billing/pay.html", context, status=status)


def _qr_svg(url: str) -> SafeString:
    """The provider's `code_url` as an inline SVG QR code (segno writes only the modules'
    path, so nothing of the URL reaches the markup but its encoding)."""
    qr = segno.make(url, error="m")
    return mark_safe(qr.svg_inline(scale=5, border=2, dark="#000", light="#fff"))


def _redirect_url(checkout: dict[str, Any]) -> str:
    url = str(checkout.get("redirect_url") or "")
    return url if url.startswith(("https://", "http://")) else ""


def _awaiting(payment: Any) -> bool:
    expired = payment.expires_at is not None and payment.expires_at <= timezone.now()
    return payment.status == PaymentStatus.CREATED and not expired


@customer_required
def payment_view(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """While the payment awaits the customer: the QR code or the button to the provider,
    polling its status; once it has arrived (or closed): the result."""
    payment = bill_selectors.payment_get_for_user(user=_user(request), out_trade_no=out_trade_no)
    checkout = payment.checkout if isinstance(payment.checkout, dict) else {}
    code_url = str(checkout.get("code_url") or "")
    context = {
        "payment": payment,
        "awaiting": _awaiting(payment),
        "expired": payment.status == PaymentStatus.CREATED and not _awaiting(payment),
        "qr": _qr_svg(code_url) if code_url and _awaiting(payment) else "",
        "redirect_url": _redirect_url(checkout),
    }
    return render(request, "portal/billing/payment.html", context)


@customer_required
def payment_status_view(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """What the checkout page polls (htmx): the waiting note while the payment awaits the
    customer, then a redirect to the page that shows the result."""
    payment = bill_selectors.payment_get_for_user(user=_user(request), out_trade_no=out_trade_no)
    if _awaiting(payment):
        return render(request, "portal/billing/_payment_waiting.html", {"payment": payment})
    target = reverse("portal:billing_payment", kwargs={"out_trade_no": payment.out_trade_no})
    if request.headers.get("HX-Request"):
        return HttpResponseClientRedirect(target)
    return redirect(target)


@customer_required
def payment_return_view(request: HttpRequest) -> HttpResponse:
    """Where the provider sends a phone back after paying: the order it names (Alipay adds
    `out_trade_no`), else this session's latest checkout; the page polls until the
    callback has arrived."""
    named = parse_text(request.GET.get("out_trade_no"), field="out_trade_no", max_length=64)
    out_trade_no = named or str(request.session.get(SESSION_CHECKOUT, ""))
    if not out_trade_no:
        return redirect("portal:billing_bills")
    payment = bill_selectors.payment_get_for_user(user=_user(request), out_trade_no=out_trade_no)
    return redirect("portal:billing_payment", out_trade_no=payment.out_trade_no)


@customer_required
def payment_refresh_view(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """我已支付: ask the provider now instead of waiting for its callback (POST)."""
    payment = bill_selectors.payment_get_for_user(user=_user(request), out_trade_no=out_trade_no)
    if request.method == "POST":
        try:
            payment_refresh(actor=_user(request), payment=payment)
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("portal:billing_payment", out_trade_no=payment.out_trade_no)
