"""The demo gateway's Alipay open-platform gateway (`<gateway>/alipay/gateway.do`):

    alipay.trade.precreate            → qr_code (the demo pay page's address)
    alipay.trade.wap.pay              → the pay page itself (the phone was redirected here)
    alipay.trade.query                → trade_status WAIT_BUYER_PAY / TRADE_SUCCESS / TRADE_CLOSED
    alipay.trade.close                → closed, or ACQ.TRADE_STATUS_ERROR once paid
    alipay.trade.refund               → fund_change Y (N for a repeat), then a notify
    alipay.trade.fastpay.refund.query → refund_status REFUND_SUCCESS

Requests must be signed by the app (RSA2 over every parameter but `sign`); answers are
`{"<method>_response": {…}, "sign": …}`, signed with Alipay's key over the inner object's
exact text, which is what the SDK verifies.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gridcare.billing.payments.base import fen_of, yuan_of
from gridcare.billing.payments.demo import callbacks, pages
from gridcare.billing.payments.demo.messages import Request, Response
from gridcare.billing.payments.demo.store import CLOSED, NOTPAY, SUCCESS, Order, RefundRow, now_text
from gridcare.billing.payments.demo.world import DemoWorld, sign, verify

PROVIDER = "alipay"
_NUMBER = re.compile(r"^[\w\-]{1,64}$")
_STATUS = {NOTPAY: "WAIT_BUYER_PAY", SUCCESS: "TRADE_SUCCESS", CLOSED: "TRADE_CLOSED"}


def handle(world: DemoWorld, request: Request) -> Response:
    params = request.params()
    method = params.get("method", "")
    key = method.replace(".", "_") + "_response"
    if params.get("app_id") != world.keys.alipay_appid or not _signed(world, params):
        failure = {
            "code": "40002",
            "msg": "Invalid Arguments",
            "sub_code": "isv.invalid-signature",
            "sub_msg": "验签出错",
        }
        return Response.json(200, {"error_response": failure})
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        biz = None
    if not isinstance(biz, dict):
        return _answer(world, key, _fail("ACQ.INVALID_PARAMETER", "biz_content 无效"))
    if method == "alipay.trade.wap.pay":
        order, error = _open(world, params, biz, trade_type="WAP")
        if order is None:
            return Response.text(400, error)
        return pages.pay_page(world, order, redirect_url=order.return_url)
    handlers = {
        "alipay.trade.precreate": _precreate,
        "alipay.trade.query": _query,
        "alipay.trade.close": _close,
        "alipay.trade.refund": _refund,
        "alipay.trade.fastpay.refund.query": _refund_query,
    }
    if method not in handlers:
        return _answer(world, key, _fail("isv.invalid-method", "不存在的方法名", code="40002"))
    return _answer(world, key, handlers[method](world, params, biz))


def _signed(world: DemoWorld, params: dict[str, str]) -> bool:
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign")
    return params.get("sign_type") == "RSA2" and verify(
        world.alipay_app, text, params.get("sign", "")
    )


def _answer(world: DemoWorld, key: str, data: dict[str, Any]) -> Response:
    inner = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = f'{{"{key}":{inner},"sign":"{sign(world.alipay, inner)}"}}'
    return Response.text(200, text, "application/json")


def _fail(sub_code: str, message: str, *, code: str = "40004") -> dict[str, Any]:
    return {"code": code, "msg": "Business Failed", "sub_code": sub_code, "sub_msg": message}


def _ok(**fields: Any) -> dict[str, Any]:
    return {"code": "10000", "msg": "Success", **fields}


def _amount(text: Any) -> int | None:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    ok = value.is_finite() and value > 0 and value == value.quantize(Decimal("0.01"))
    return fen_of(value) if ok and value < 10**10 else None


def _open(
    world: DemoWorld, params: dict[str, str], biz: dict[str, Any], *, trade_type: str
) -> tuple[Order | None, str]:
    number, fen = biz.get("out_trade_no"), _amount(biz.get("total_amount"))
    if not isinstance(number, str) or not _NUMBER.match(number) or fen is None:
        return None, "参数错误"
    draft = Order(
        provider=PROVIDER,
        merchant=world.keys.alipay_appid,
        out_trade_no=number,
        token=secrets.token_urlsafe(16),
        amount_fen=fen,
        subject=str(biz.get("subject", ""))[:256],
        trade_type=trade_type,
        notify_url=params.get("notify_url", ""),
        return_url=params.get("return_url", ""),
        state=NOTPAY,
        txn_id="",
        paid_at="",
        created_at=now_text(),
        expire_at=str(biz.get("time_expire", "")),
        refunded_fen=0,
    )
    order = world.store.order_add(draft)
    if order.amount_fen != fen:
        return None, "订单号重复"
    return order, ""


def _precreate(world: DemoWorld, params: dict[str, str], biz: dict[str, Any]) -> dict[str, Any]:
    order, error = _open(world, params, biz, trade_type="QR")
    if order is None:
        return _fail("ACQ.INVALID_PARAMETER", error)
    if order.state == SUCCESS:
        return _fail("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    return _ok(out_trade_no=order.out_trade_no, qr_code=f"{world.public_url}/pay/{order.token}")


def _order(world: DemoWorld, biz: dict[str, Any]) -> Order | None:
    return world.store.order(PROVIDER, world.keys.alipay_appid, str(biz.get("out_trade_no", "")))


def _query(world: DemoWorld, params: dict[str, str], biz: dict[str, Any]) -> dict[str, Any]:
    order = _order(world, biz)
    if order is None:
        return _fail("ACQ.TRADE_NOT_EXIST", "交易不存在")
    total = str(yuan_of(order.amount_fen))
    fields: dict[str, Any] = {
        "out_trade_no": order.out_trade_no,
        "total_amount": total,
        "trade_status": _STATUS[order.state],
    }
    if order.state == SUCCESS:
        paid = datetime.fromisoformat(order.paid_at).astimezone(callbacks.BEIJING)
        fields.update(
            trade_no=order.txn_id,
            buyer_pay_amount=total,
            send_pay_date=paid.strftime("%Y-%m-%d %H:%M:%S"),
        )
    return _ok(**fields)


def _close(world: DemoWorld, params: dict[str, str], biz: dict[str, Any]) -> dict[str, Any]:
    order = _order(world, biz)
    if order is None:
        return _fail("ACQ.TRADE_NOT_EXIST", "交易不存在")
    if order.state == SUCCESS:
        return _fail("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    world.store.order_close(order)
    return _ok(out_trade_no=order.out_trade_no)


def _refund(world: DemoWorld, params: dict[str, str], biz: dict[str, Any]) -> dict[str, Any]:
    order, fen = _order(world, biz), _amount(biz.get("refund_amount"))
    number = str(biz.get("out_request_no") or (order.out_trade_no if order else ""))
    if order is None or order.state != SUCCESS:
        return _fail("ACQ.TRADE_NOT_EXIST", "交易不存在或未支付")
    if fen is None or not _NUMBER.match(number):
        return _fail("ACQ.INVALID_PARAMETER", "参数错误")
    base = {
        "trade_no": order.txn_id,
        "out_trade_no": order.out_trade_no,
        "buyer_logon_id": "dem***@demo",
    }
    if world.store.refund(PROVIDER, order.merchant, number) is not None:
        refunded = _order(world, biz)
        total = str(yuan_of(refunded.refunded_fen if refunded else 0))
        return _ok(**base, fund_change="N", refund_fee=total)
    refund = RefundRow(
        provider=PROVIDER,
        merchant=order.merchant,
        out_refund_no=number,
        out_trade_no=order.out_trade_no,
        amount_fen=fen,
        refund_id=order.txn_id,
        status="REFUND_SUCCESS",
        created_at=now_text(),
        notify_url=order.notify_url,
    )
    if not world.store.refund_add(refund):
        return _fail("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
    after = _order(world, biz)
    refunded_total = str(yuan_of(after.refunded_fen if after else fen))
    whole = after is not None and after.refunded_fen >= after.amount_fen
    notify = callbacks.alipay_trade(
        out_trade_no=order.out_trade_no,
        txn_id=order.txn_id,
        total=str(yuan_of(order.amount_fen)),
        status="TRADE_CLOSED" if whole else "TRADE_SUCCESS",
        out_biz_no=number,
        refund_fee=refunded_total,
        gmt_refund=callbacks.beijing_now().strftime("%Y-%m-%d %H:%M:%S"),
    )
    callbacks.send_in_background(
        world,
        provider=PROVIDER,
        out_trade_no=order.out_trade_no,
        kind="refund",
        url=order.notify_url,
        build=lambda: callbacks.alipay_notify(world, notify),
    )
    return _ok(**base, fund_change="Y", refund_fee=refunded_total, gmt_refund_pay=now_text())


def _refund_query(world: DemoWorld, params: dict[str, str], biz: dict[str, Any]) -> dict[str, Any]:
    order = _order(world, biz)
    number = str(biz.get("out_request_no", ""))
    refund = world.store.refund(PROVIDER, order.merchant, number) if order else None
    if order is None or refund is None:
        return _ok(out_request_no=number)  # Alipay's way of saying "no such refund"
    return _ok(
        out_request_no=number,
        out_trade_no=order.out_trade_no,
        trade_no=order.txn_id,
        total_amount=str(yuan_of(order.amount_fen)),
        refund_amount=str(yuan_of(refund.amount_fen)),
        refund_status="REFUND_SUCCESS",
    )
