"""The demo gateway's WeChat Pay API v3 (under `<gateway>/wechat`):

    POST /v3/pay/transactions/native                  → {"code_url": …}
    POST /v3/pay/transactions/h5                      → {"h5_url": …}
    GET  /v3/pay/transactions/out-trade-no/{no}       → the transaction
    POST /v3/pay/transactions/out-trade-no/{no}/close → 204 (400 ORDERPAID once paid)
    POST /v3/refund/domestic/refunds                  → the refund (PROCESSING; the
                                                        REFUND.SUCCESS callback follows)
    GET  /v3/refund/domestic/refunds/{out_refund_no}  → the refund

Every request must carry the merchant's `Authorization` signature (else 401 SIGN_ERROR),
and every answer is signed with the platform key, as the SDK checks.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from gridcare.billing.payments.demo import callbacks
from gridcare.billing.payments.demo.messages import Request, Response
from gridcare.billing.payments.demo.store import NOTPAY, SUCCESS, Order, RefundRow, now_text
from gridcare.billing.payments.demo.world import DemoWorld, verify

_AUTH = re.compile(r'(\w+)="([^"]*)"')
_ORDER = re.compile(r"^/v3/pay/transactions/out-trade-no/([\w\-*|]{1,64})(/close)?$")
_REFUND = re.compile(r"^/v3/refund/domestic/refunds/([\w\-*|]{1,64})$")
_NUMBER = re.compile(r"^[\w\-*|]{6,32}$")
PROVIDER = "wechat"


def handle(world: DemoWorld, request: Request, path: str) -> Response:
    if not _authorized(world, request, path):
        return _answer(world, 401, {"code": "SIGN_ERROR", "message": "签名错误"})
    try:
        data = json.loads(request.body) if request.body else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return _answer(world, 400, {"code": "PARAM_ERROR", "message": "请求体不是JSON对象"})
    if request.method == "POST" and path in (
        "/v3/pay/transactions/native",
        "/v3/pay/transactions/h5",
    ):
        return _create(world, data, h5=path.endswith("h5"))
    if request.method == "POST" and path == "/v3/refund/domestic/refunds":
        return _refund(world, data)
    order_match, refund_match = _ORDER.match(path), _REFUND.match(path)
    if order_match and request.method == "POST" and order_match.group(2):
        return _close(world, order_match.group(1))
    if order_match and request.method == "GET" and not order_match.group(2):
        return _query(world, order_match.group(1))
    if refund_match and request.method == "GET":
        refund = world.store.refund(PROVIDER, world.keys.wechat_mchid, refund_match.group(1))
        if refund is None:
            return _answer(world, 404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
        return _answer(world, 200, _refund_body(world, refund))
    return _answer(world, 404, {"code": "NOT_FOUND", "message": "无此接口"})


def _answer(world: DemoWorld, status: int, data: dict[str, Any] | None) -> Response:
    body = json.dumps(data, ensure_ascii=False) if data is not None else ""
    response = (
        Response.text(status, body, "application/json") if data is not None else Response(status)
    )
    signed = callbacks.wechat_signed_headers(world, body)
    response.headers += [(name, value) for name, value in signed.items() if name != "Content-Type"]
    return response


def _authorized(world: DemoWorld, request: Request, path: str) -> bool:
    """The merchant's request signature: `METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n`."""
    scheme, _, fields = request.headers.get("authorization", "").partition(" ")
    auth = dict(_AUTH.findall(fields))
    if scheme != "WECHATPAY2-SHA256-RSA2048" or auth.get("mchid") != world.keys.wechat_mchid:
        return False
    if auth.get("serial_no") != world.keys.wechat_cert_serial:
        return False
    stamp = auth.get("timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
        return False
    url = path + (f"?{request.query}" if request.query else "")
    text = f"{request.method}\n{url}\n{stamp}\n{auth.get('nonce_str', '')}\n{request.body.decode('utf-8', 'replace')}\n"
    return verify(world.wechat_merchant, text, auth.get("signature", ""))


def _create(world: DemoWorld, data: dict[str, Any], *, h5: bool) -> Response:
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    total, number = (amount or {}).get("total"), data.get("out_trade_no")
    if data.get("mchid") != world.keys.wechat_mchid or data.get("appid") != world.keys.wechat_appid:
        return _answer(
            world, 400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid和mch_id不匹配"}
        )
    if (
        type(total) is not int
        or total <= 0
        or not isinstance(number, str)
        or not _NUMBER.match(number)
    ):
        return _answer(world, 400, {"code": "PARAM_ERROR", "message": "参数错误"})
    draft = Order(
        provider=PROVIDER,
        merchant=world.keys.wechat_mchid,
        out_trade_no=number,
        token=secrets.token_urlsafe(16),
        amount_fen=total,
        subject=str(data.get("description", ""))[:127],
        trade_type="MWEB" if h5 else "NATIVE",
        notify_url=str(data.get("notify_url", "")),
        return_url="",
        state=NOTPAY,
        txn_id="",
        paid_at="",
        created_at=now_text(),
        expire_at=str(data.get("time_expire", "")),
        refunded_fen=0,
    )
    order = world.store.order_add(draft)
    if order.state == SUCCESS:
        return _answer(world, 400, {"code": "ORDERPAID", "message": "该订单已支付"})
    if order.amount_fen != total:
        return _answer(world, 400, {"code": "INVALID_REQUEST", "message": "订单号重复"})
    url = f"{world.public_url}/pay/{order.token}"
    return _answer(world, 200, {"h5_url": url} if h5 else {"code_url": url})


def _query(world: DemoWorld, number: str) -> Response:
    order = world.store.order(PROVIDER, world.keys.wechat_mchid, number)
    if order is None:
        return _answer(world, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
    state = "REFUND" if order.state == SUCCESS and order.refunded_fen else order.state
    body = callbacks.wechat_transaction(
        world,
        out_trade_no=number,
        txn_id=order.txn_id,
        total_fen=order.amount_fen,
        paid_at=order.paid_at,
        trade_state=state,
    )
    if order.state != SUCCESS:
        body.pop("transaction_id")
        body.pop("success_time")
    return _answer(world, 200, body)


def _close(world: DemoWorld, number: str) -> Response:
    order = world.store.order(PROVIDER, world.keys.wechat_mchid, number)
    if order is None:
        return _answer(world, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
    if order.state == SUCCESS:
        return _answer(world, 400, {"code": "ORDERPAID", "message": "该订单已支付"})
    world.store.order_close(order)
    return _answer(world, 204, None)


def _refund(world: DemoWorld, data: dict[str, Any]) -> Response:
    mchid = world.keys.wechat_mchid
    order = world.store.order(PROVIDER, mchid, str(data.get("out_trade_no", "")))
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    fen, number = (amount or {}).get("refund"), data.get("out_refund_no")
    if order is None or order.state != SUCCESS:
        return _answer(world, 400, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在或未支付"})
    if type(fen) is not int or fen <= 0 or not isinstance(number, str) or not _NUMBER.match(number):
        return _answer(world, 400, {"code": "PARAM_ERROR", "message": "参数错误"})
    existing = world.store.refund(PROVIDER, mchid, number)
    if existing is not None:
        return _answer(world, 200, _refund_body(world, existing))
    refund = RefundRow(
        provider=PROVIDER,
        merchant=mchid,
        out_refund_no=number,
        out_trade_no=order.out_trade_no,
        amount_fen=fen,
        refund_id=f"50{secrets.randbelow(10**26):026d}",
        status="PROCESSING",
        created_at=now_text(),
        notify_url=str(data.get("notify_url") or order.notify_url),
    )
    if not world.store.refund_add(refund):
        return _answer(world, 403, {"code": "NOT_ENOUGH", "message": "可退金额不足"})
    body = _refund_body(world, refund)
    world.store.refund_set(refund, "SUCCESS")  # the money moves at once in the demo
    callbacks.send_in_background(
        world,
        provider=PROVIDER,
        out_trade_no=order.out_trade_no,
        kind="refund",
        url=refund.notify_url,
        build=lambda: callbacks.wechat_callback(
            world,
            event_type="REFUND.SUCCESS",
            original_type="refund",
            summary="退款成功",
            resource=callbacks.wechat_refund(
                world,
                out_trade_no=order.out_trade_no,
                txn_id=order.txn_id,
                out_refund_no=number,
                refund_id=refund.refund_id,
                refund_fen=fen,
                total_fen=order.amount_fen,
            ),
        ),
    )
    return _answer(world, 200, body)


def _refund_body(world: DemoWorld, refund: RefundRow) -> dict[str, Any]:
    order = world.store.order(PROVIDER, refund.merchant, refund.out_trade_no)
    total = order.amount_fen if order else refund.amount_fen
    return {
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": order.txn_id if order else "",
        "out_trade_no": refund.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "status": refund.status,
        "create_time": refund.created_at,
        "amount": {
            "total": total,
            "refund": refund.amount_fen,
            "payer_total": total,
            "payer_refund": refund.amount_fen,
            "currency": "CNY",
        },
    }
