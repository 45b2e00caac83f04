"""The demo gateway's pay page: what the payer sees after scanning the QR code or being
redirected on a phone. Confirming marks the order paid at the gateway and sends the
signed callback to the merchant (then once more, later: see `callbacks`).

    GET  /pay/<token>           the order, with a "confirm payment" button
    POST /pay/<token>/confirm   pay; back to the merchant's return address, or the page
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from django.template import Context, Engine
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gridcare.billing.choices import Provider
from gridcare.billing.payments.base import yuan_of
from gridcare.billing.payments.demo import callbacks
from gridcare.billing.payments.demo.messages import Request, Response
from gridcare.billing.payments.demo.store import CLOSED, NOTPAY, SUCCESS, Order
from gridcare.billing.payments.demo.world import DemoWorld

_ENGINE = Engine(dirs=[str(Path(__file__).parent)], libraries={"i18n": "django.templatetags.i18n"})
_COLOURS = {"wechat": "#07c160", "alipay": "#1677ff"}


def handle(world: DemoWorld, request: Request, path: str) -> Response:
    parts = path.strip("/").split("/")  # pay, <token>[, confirm]
    order = world.store.order_by_token(parts[1]) if len(parts) in (2, 3) else None
    if order is None:
        return Response.text(404, _("No such order"))
    form = dict(parse_qsl(request.body.decode("utf-8", "replace"))) if request.body else {}
    if len(parts) == 3 and parts[2] == "confirm" and request.method == "POST":
        return confirm(world, order, redirect_url=_safe(form.get("redirect_url", "")))
    if len(parts) == 2 and request.method == "GET":
        query = dict(parse_qsl(request.query))
        return pay_page(
            world, order, redirect_url=_safe(query.get("redirect_url", order.return_url))
        )
    return Response.text(405, "")


def _safe(url: str) -> str:
    """Only an http(s) address is followed back (never `javascript:`)."""
    return url if urlsplit(url).scheme in ("http", "https") else ""


def _expired(order: Order) -> bool:
    text = order.expire_at.replace(" ", "T")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return False
    if when.utcoffset() is None:  # Alipay writes Beijing time without an offset
        when = timezone.make_aware(when, callbacks.BEIJING)
    return datetime.now(UTC) > when


def pay_page(world: DemoWorld, order: Order, *, redirect_url: str = "") -> Response:
    state = {SUCCESS: "paid", CLOSED: "closed"}.get(order.state, "open")
    if state == "open" and _expired(order):
        state = "closed"
    context = {
        "LANGUAGE_CODE": get_language(),
        "provider_name": Provider(order.provider).label,
        "colour": _COLOURS.get(order.provider, "#333"),
        "merchant": _("GridCare demo power supply company"),
        "subject": order.subject,
        "out_trade_no": order.out_trade_no,
        "amount": f"¥{yuan_of(order.amount_fen):,.2f}",
        "state": state,
        "redirect_url": redirect_url,
        "confirm_url": f"{world.public_url}/pay/{order.token}/confirm",
    }
    html = _ENGINE.get_template("pay.html").render(Context(context))
    return Response.text(200, html, "text/html")


def confirm(world: DemoWorld, order: Order, *, redirect_url: str) -> Response:
    if order.state == NOTPAY and not _expired(order):
        txn = _transaction_id(order.provider)
        if world.store.order_pay(order, txn):
            paid = world.store.order(order.provider, order.merchant, order.out_trade_no)
            assert paid is not None
            _send_paid(world, paid)
    return Response.redirect(redirect_url or f"{world.public_url}/pay/{order.token}")


def _transaction_id(provider: str) -> str:
    today = datetime.now(callbacks.BEIJING).strftime("%Y%m%d")
    if provider == "wechat":
        return f"4200{secrets.randbelow(10**6):06d}{today}{secrets.randbelow(10**10):010d}"
    return f"{today}22001{secrets.randbelow(10**14):014d}"


def _send_paid(world: DemoWorld, order: Order) -> None:
    if order.provider == "wechat":

        def build() -> callbacks.Built:
            resource = callbacks.wechat_transaction(
                world,
                out_trade_no=order.out_trade_no,
                txn_id=order.txn_id,
                total_fen=order.amount_fen,
                paid_at=order.paid_at,
            )
            resource["trade_type"] = order.trade_type
            return callbacks.wechat_callback(
                world, event_type="TRANSACTION.SUCCESS", resource=resource
            )

    else:
        fields = callbacks.alipay_trade(
            out_trade_no=order.out_trade_no,
            txn_id=order.txn_id,
            total=str(yuan_of(order.amount_fen)),
            subject=order.subject,
        )

        def build() -> callbacks.Built:
            return callbacks.alipay_notify(world, fields)

    callbacks.send_in_background(
        world,
        provider=order.provider,
        out_trade_no=order.out_trade_no,
        kind="paid",
        url=order.notify_url,
        build=build,
    )
