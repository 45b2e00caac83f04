"""Alipay (open platform, RSA2) through `python-alipay-sdk`: QR orders (precreate), phone
orders (wap pay: a signed redirect), query, close, refund, and the notify check.

The SDK signs each request with the app's private key and checks each answer's `sign`
with Alipay's public key. An asynchronous notify (a form POST) is accepted only when:

1. `sign_type` is RSA2 and `sign` verifies over every other parameter, sorted, `k=v`
   joined by `&` (SDK `verify`);
2. `notify_time` (Beijing time) is within five minutes of now (an older one is a replay);
3. `app_id` is ours.

Our answer is the body `success` once handled; anything else makes Alipay retry
(over about 25 hours).
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.client import HTTPException
from typing import Any
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig as SdkConfig

from gridcare.billing.choices import CallbackVerdict, Provider
from gridcare.billing.payments.base import (
    CallbackRejected,
    Checkout,
    Device,
    Notice,
    NoticeKind,
    ProviderRefused,
    ProviderUnavailable,
    RefundResult,
    RefundState,
    Trade,
    TradeState,
    parse_yuan,
)
from gridcare.billing.payments.config import AlipayConfig

BEIJING = timezone(timedelta(hours=8))
MAX_SKEW = timedelta(minutes=5)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUCCESS = "10000"
_TRADE_STATES = {
    "WAIT_BUYER_PAY": TradeState.NOTPAY,
    "TRADE_SUCCESS": TradeState.PAID,
    "TRADE_FINISHED": TradeState.PAID,
    "TRADE_CLOSED": TradeState.CLOSED,
}


class AlipayAdapter:
    provider: str = Provider.ALIPAY

    def __init__(self, config: AlipayConfig) -> None:
        self.config = config
        self._client = AliPay(
            appid=config.appid,
            app_notify_url=config.notify_url,
            app_private_key_string=config.private_key,
            alipay_public_key_string=config.alipay_public_key,
            sign_type="RSA2",
            config=SdkConfig(timeout=config.timeout),
        )
        # The SDK knows only the real gateway and the sandbox; the demo gateway (a test
        # double of Alipay's) is reached by replacing the address.
        self._client._gateway = config.gateway

    def _call(self, send: Callable[[AliPay], Any]) -> dict[str, Any]:
        try:
            result = send(self._client)
        except AliPayValidationError as exc:
            raise ProviderUnavailable("支付宝应答签名无效") from exc
        except AliPayException as exc:
            raise ProviderRefused("alipay.error", str(exc)) from exc
        except (OSError, HTTPException, ValueError) as exc:  # network, HTTP, unreadable JSON
            raise ProviderUnavailable() from exc
        return result if isinstance(result, dict) else {}

    @staticmethod
    def _refused(data: dict[str, Any]) -> ProviderRefused:
        code = str(data.get("sub_code") or data.get("code") or "")
        return ProviderRefused(code, str(data.get("sub_msg") or data.get("msg") or ""))

    def create(
        self,
        *,
        out_trade_no: str,
        amount: Decimal,
        subject: str,
        device: Device,
        expires_at: datetime,
        client_ip: str = "",
        return_url: str = "",
    ) -> Checkout:
        expire = expires_at.astimezone(BEIJING).strftime(TIME_FORMAT)
        if device == Device.PHONE:
            # The wap order is a signed redirect: Alipay creates it when the phone opens it.
            query = self._client.api_alipay_trade_wap_pay(
                subject=subject[:256],
                out_trade_no=out_trade_no,
                total_amount=str(amount),
                return_url=return_url or None,
                time_expire=expire,
            )
            return Checkout(redirect_url=f"{self.config.gateway}?{query}")
        data = self._call(
            lambda c: c.api_alipay_trade_precreate(
                subject=subject[:256],
                out_trade_no=out_trade_no,
                total_amount=str(amount),
                time_expire=expire,
            )
        )
        if data.get("code") != SUCCESS or not data.get("qr_code"):
            raise self._refused(data)
        return Checkout(code_url=str(data["qr_code"]))

    def query(self, *, out_trade_no: str) -> Trade:
        data = self._call(lambda c: c.api_alipay_trade_query(out_trade_no=out_trade_no))
        if data.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return Trade(TradeState.MISSING)
        if data.get("code") != SUCCESS:
            raise self._refused(data)
        return Trade(
            state=_TRADE_STATES.get(str(data.get("trade_status")), TradeState.NOTPAY),
            txn_id=str(data.get("trade_no") or "")[:64],
            amount=parse_yuan(str(data.get("total_amount", ""))),
            paid_at=_beijing(str(data.get("send_pay_date", ""))),
        )

    def close(self, *, out_trade_no: str) -> bool:
        """True when the order is closed (or was never opened); False when it was paid."""
        data = self._call(lambda c: c.api_alipay_trade_close(out_trade_no=out_trade_no))
        if data.get("code") == SUCCESS or data.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return True
        if data.get("sub_code") == "ACQ.TRADE_STATUS_ERROR":
            return False
        raise self._refused(data)

    def refund(
        self,
        *,
        out_trade_no: str,
        out_refund_no: str,
        amount: Decimal,
        total: Decimal,
        reason: str,
    ) -> RefundResult:
        data = self._call(
            lambda c: c.api_alipay_trade_refund(
                refund_amount=str(amount),
                out_trade_no=out_trade_no,
                out_request_no=out_refund_no,
                refund_reason=reason[:256],
            )
        )
        if data.get("code") != SUCCESS:
            raise self._refused(data)
        # fund_change N: nothing moved by this call (a repeat); the query settles it.
        done = data.get("fund_change") == "Y"
        return RefundResult(
            RefundState.SUCCEEDED if done else RefundState.PENDING,
            refund_id=f"{data.get('trade_no', '')}:{out_refund_no}"[:64],
        )

    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        data = self._call(
            lambda c: c.api_alipay_trade_fastpay_refund_query(
                out_request_no=out_refund_no, out_trade_no=out_trade_no
            )
        )
        if data.get("code") != SUCCESS:
            raise self._refused(data)
        if data.get("refund_status") == "REFUND_SUCCESS":
            return RefundResult(RefundState.SUCCEEDED, refund_id=str(data.get("trade_no", ""))[:64])
        # A refund Alipay does not know never happened (its refund API is synchronous).
        return RefundResult(RefundState.FAILED, detail="REFUND_NOT_FOUND")

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, now: float) -> Notice:
        params = self._verified_params(body, now)
        if params.get("app_id") != self.config.appid:
            raise CallbackRejected(CallbackVerdict.MALFORMED, "app_id 不符")
        out_trade_no, txn = params.get("out_trade_no", "")[:64], params.get("trade_no", "")[:64]
        if not out_trade_no or not txn:
            raise CallbackRejected(CallbackVerdict.MALFORMED, "通知缺少订单号或交易号")
        status = params.get("trade_status", "")
        amount = parse_yuan(params.get("total_amount", ""))
        event = f"{params.get('notify_type', '')}:{status}"[:40]
        if params.get("out_biz_no") and params.get("refund_fee"):
            refunded = parse_yuan(params["refund_fee"])
            return Notice(
                kind=NoticeKind.REFUND,
                event=event,
                out_trade_no=out_trade_no,
                txn_id=txn,
                amount=amount,
                out_refund_no=params["out_biz_no"][:64],
                refund_total=refunded,
                refund_ok=refunded is not None,
            )
        kind = {
            "TRADE_SUCCESS": NoticeKind.PAID,
            "TRADE_FINISHED": NoticeKind.PAID,
            "TRADE_CLOSED": NoticeKind.CLOSED,
        }.get(status, NoticeKind.OTHER)
        paid_at = _beijing(params.get("gmt_payment", ""))
        return Notice(kind, event, out_trade_no, txn_id=txn, amount=amount, paid_at=paid_at)

    def _verified_params(self, body: bytes, now: float) -> dict[str, str]:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise CallbackRejected(CallbackVerdict.BAD_SIGNATURE, "通知无法解析") from exc
        params = dict(pairs)
        if len(params) != len(pairs):
            raise CallbackRejected(CallbackVerdict.BAD_SIGNATURE, "参数重复")
        signature = params.pop("sign", "")
        if params.get("sign_type") != "RSA2" or not signature:
            raise CallbackRejected(CallbackVerdict.BAD_SIGNATURE, "仅支持 RSA2 签名")
        try:
            valid = self._client.verify(dict(params), signature)
        except (ValueError, TypeError, binascii.Error, AliPayException):
            valid = False
        if not valid:
            raise CallbackRejected(CallbackVerdict.BAD_SIGNATURE, "签名校验失败")
        sent = _beijing(params.get("notify_time", ""))
        if sent is None or abs(datetime.fromtimestamp(now, BEIJING) - sent) > MAX_SKEW:
            raise CallbackRejected(CallbackVerdict.STALE, "notify_time 超出五分钟（可能是重放）")
        params.pop("sign_type", None)
        return params


def _beijing(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=BEIJING)
    except ValueError:
        return None
