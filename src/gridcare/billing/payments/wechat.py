"""WeChat Pay API v3 through the `wechatpayv3` SDK: Native (QR) and H5 orders, query,
close, refund, and the callback check.

Requests are signed by the SDK with the merchant key (`Authorization: WECHATPAY2-SHA256-
RSA2048 …`) and every answer's signature is checked by it against the platform key. A
callback is accepted only when, in this order:

1. its `Wechatpay-Signature` is not a signature probe (`WECHATPAY/SIGNTEST/…`: WeChat sends
   deliberately bad signatures to see that merchants check them);
2. `Wechatpay-Serial` names a platform key or certificate we hold (an unknown serial is
   refused here, never looked up: a forged callback must not make us call out);
3. the RSA-SHA256 signature over `timestamp\\nnonce\\nbody\\n` verifies (SDK `rsa_verify`);
4. `Wechatpay-Timestamp` is within five minutes of now (an older one is a replay);
5. `resource` decrypts with the APIv3 key (AES-256-GCM, SDK `aes_decrypt`) and names our
   merchant (`mchid`, and `appid` for a transaction).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt, rsa_verify

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
    fen_of,
    yuan_of,
)
from gridcare.billing.payments.config import WechatConfig

MAX_SKEW_SECONDS = 300
SIGNATURE_PROBE = "WECHATPAY/SIGNTEST/"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
_TRADE_STATES = {
    "SUCCESS": TradeState.PAID,
    "REFUND": TradeState.PAID,  # paid, then (partly) refunded: the payment stands
    "NOTPAY": TradeState.NOTPAY,
    "USERPAYING": TradeState.NOTPAY,
    "CLOSED": TradeState.CLOSED,
    "REVOKED": TradeState.CLOSED,
    "PAYERROR": TradeState.CLOSED,
}
_REFUND_STATES = {
    "SUCCESS": RefundState.SUCCEEDED,
    "PROCESSING": RefundState.PENDING,
    "CLOSED": RefundState.FAILED,
    "ABNORMAL": RefundState.FAILED,
}


class WechatAdapter:
    provider: str = Provider.WECHAT

    def __init__(self, config: WechatConfig) -> None:
        self.config = config
        self._keys = {
            serial: load_pem_public_key(pem.encode()) for serial, pem in config.platform_keys
        }
        self._client: WeChatPay | None = None

    # --- Outbound (the SDK signs, sends, and checks the answer's signature) ---

    def client(self) -> WeChatPay:
        if self._client is None:
            c = self.config
            public = dict(c.platform_keys).get(c.public_key_id) if c.public_key_id else None
            self._client = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=c.mchid,
                private_key=c.private_key,
                cert_serial_no=c.cert_serial,
                appid=c.appid,
                apiv3_key=c.apiv3_key,
                notify_url=c.notify_url,
                cert_dir=c.cert_dir or None,
                public_key=public,
                public_key_id=c.public_key_id or None,
                timeout=(5, c.timeout),
            )
            # The SDK has no setting for its base URL; the demo gateway (like a test
            # double of the real API) is reached by replacing it.
            self._client._core._gate_way = c.gateway
        return self._client

    def _call(self, send: Callable[[WeChatPay], tuple[int, Any]]) -> tuple[int, dict[str, Any]]:
        try:
            code, text = send(self.client())
        except requests.RequestException as exc:
            raise ProviderUnavailable() from exc
        except Exception as exc:  # the SDK raises bare Exception (e.g. a bad answer signature)
            raise ProviderUnavailable(f"微信支付应答无法验证：{str(exc)[:80]}") from exc
        try:
            data = json.loads(text) if text else {}
        except (TypeError, ValueError):
            data = {}
        data = data if isinstance(data, dict) else {}
        if code >= 500:
            raise ProviderUnavailable()
        return code, data

    @staticmethod
    def _refused(data: dict[str, Any]) -> ProviderRefused:
        return ProviderRefused(str(data.get("code", "")), str(data.get("message", "")))

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
        phone = device == Device.PHONE
        code, data = self._call(
            lambda c: c.pay(
                description=subject[:127],
                out_trade_no=out_trade_no,
                amount={"total": fen_of(amount), "currency": "CNY"},
                time_expire=expires_at.isoformat(timespec="seconds"),
                scene_info={"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
                if phone
                else None,
                pay_type=WeChatPayType.H5 if phone else WeChatPayType.NATIVE,
            )
        )
        url = str(data.get("h5_url" if phone else "code_url") or "")
        if code != 200 or not url:
            raise self._refused(data)
        if not phone:
            return Checkout(code_url=url)
        if return_url:  # where WeChat sends the phone back after paying (H5 protocol)
            url += ("&" if "?" in url else "?") + urlencode({"redirect_url": return_url})
        return Checkout(redirect_url=url)

    def query(self, *, out_trade_no: str) -> Trade:
        code, data = self._call(lambda c: c.query(out_trade_no=out_trade_no))
        if code == 404 or data.get("code") == "ORDER_NOT_EXIST":
            return Trade(TradeState.MISSING)
        if code != 200:
            raise self._refused(data)
        amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
        total = amount.get("total") if amount else None
        return Trade(
            state=_TRADE_STATES.get(str(data.get("trade_state")), TradeState.NOTPAY),
            txn_id=str(data.get("transaction_id") or ""),
            amount=yuan_of(total) if isinstance(total, int) else None,
            paid_at=_time(data.get("success_time")),
        )

    def close(self, *, out_trade_no: str) -> bool:
        """True when the order is closed (or never existed); False when it was paid."""
        code, data = self._call(lambda c: c.close(out_trade_no=out_trade_no))
        if code in (200, 204) or data.get("code") == "ORDER_NOT_EXIST":
            return True
        if data.get("code") in ("ORDERPAID", "ORDER_PAID", "TRADE_ERROR"):
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
        code, data = self._call(
            lambda c: c.refund(
                out_refund_no=out_refund_no,
                amount={"refund": fen_of(amount), "total": fen_of(total), "currency": "CNY"},
                out_trade_no=out_trade_no,
                reason=reason[:80] or None,
            )
        )
        if code != 200:
            raise self._refused(data)
        return _refund_result(data)

    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        code, data = self._call(lambda c: c.query_refund(out_refund_no=out_refund_no))
        if code == 404:
            return RefundResult(RefundState.FAILED, detail="RESOURCE_NOT_EXISTS")
        if code != 200:
            raise self._refused(data)
        return _refund_result(data)

    # --- Inbound: the callback ---

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, now: float) -> Notice:
        h = {key.lower(): value for key, value in headers.items()}
        text = self._verified_text(h, body, now)
        resource = self._decrypted(text)
        event = str(_loads_dict(text).get("event_type", ""))[:40]
        if resource.get("mchid") != self.config.mchid:
            raise CallbackRejected(CallbackVerdict.MALFORMED, "商户号不符")
        if event.startswith("REFUND."):
            return _refund_notice(event, resource)
        if resource.get("appid") != self.config.appid:
            raise CallbackRejected(CallbackVerdict.MALFORMED, "应用号不符")
        return _transaction_notice(event, resource)

    def _verified_text(self, h: dict[str, str], body: bytes, now: float) -> str:
        signature = h.get("wechatpay-signature", "")
        if signature.startswith(SIGNATURE_PROBE):
            raise CallbackRejected(CallbackVerdict.BAD_SIGNATURE, "签名探测请求（按协议拒绝）")
        if h.get("wechatpay-signature-type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise CallbackRejected(CallbackVerdict.BAD_SIGNATURE, "不支持的签名算法")
        key = self._keys.get(h.get("wechatpay-serial", ""))
        if key is None:
            raise CallbackRejected(CallbackVerdict.BAD_SIGNATURE, "未知的平台证书序列号")
        timestamp, nonce = h.get("wechatpay-timestamp", ""), h.get("wechatpay-nonce", "")
        try:
            text = body.decode("utf-8")
            valid = rsa_verify(timestamp, nonce, text, signature, key)
        except (UnicodeDecodeError, ValueError, TypeError):
            valid = False
        if not valid:
            raise CallbackRejected(CallbackVerdict.BAD_SIGNATURE, "签名校验失败")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise CallbackRejected(CallbackVerdict.STALE, "时间戳无效")
        if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
            raise CallbackRejected(CallbackVerdict.STALE, "时间戳超出五分钟（可能是重放）")
        return text

    def _decrypted(self, text: str) -> dict[str, Any]:
        resource = _loads_dict(text).get("resource")
        if not isinstance(resource, dict) or resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise CallbackRejected(CallbackVerdict.MALFORMED, "通知缺少加密资源")
        parts = [resource.get(k) for k in ("nonce", "ciphertext", "associated_data")]
        if not all(isinstance(p, str) for p in parts[:2]) or not isinstance(parts[2] or "", str):
            raise CallbackRejected(CallbackVerdict.MALFORMED, "加密资源格式不正确")
        try:
            plain = aes_decrypt(
                nonce=parts[0],
                ciphertext=parts[1],
                associated_data=parts[2] or "",
                apiv3_key=self.config.apiv3_key,
            )
        except (ValueError, TypeError):
            plain = None
        if plain is None:
            raise CallbackRejected(CallbackVerdict.MALFORMED, "资源解密失败（APIv3 密钥不符？）")
        return _loads_dict(plain)


def _loads_dict(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CallbackRejected(CallbackVerdict.MALFORMED, "通知不是有效的 JSON") from exc
    if not isinstance(data, dict):
        raise CallbackRejected(CallbackVerdict.MALFORMED, "通知不是 JSON 对象")
    return data


def _fen(value: Any) -> Decimal | None:
    return yuan_of(value) if type(value) is int and 0 <= value < 10**14 else None


def _str(value: Any, limit: int = 64) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.utcoffset() is not None else None


def _transaction_notice(event: str, r: dict[str, Any]) -> Notice:
    amount = r.get("amount") if isinstance(r.get("amount"), dict) else {}
    out_trade_no, txn = _str(r.get("out_trade_no")), _str(r.get("transaction_id"))
    if not out_trade_no or not txn:
        raise CallbackRejected(CallbackVerdict.MALFORMED, "通知缺少订单号或交易号")
    paid = event == "TRANSACTION.SUCCESS" and r.get("trade_state") == "SUCCESS"
    return Notice(
        kind=NoticeKind.PAID if paid else NoticeKind.OTHER,
        event=event,
        out_trade_no=out_trade_no,
        txn_id=txn,
        amount=_fen((amount or {}).get("total")),
        paid_at=_time(r.get("success_time")),
    )


def _refund_notice(event: str, r: dict[str, Any]) -> Notice:
    amount = r.get("amount") if isinstance(r.get("amount"), dict) else {}
    out_trade_no, out_refund_no = _str(r.get("out_trade_no")), _str(r.get("out_refund_no"))
    if not out_trade_no or not out_refund_no:
        raise CallbackRejected(CallbackVerdict.MALFORMED, "退款通知缺少订单号或退款单号")
    return Notice(
        kind=NoticeKind.REFUND,
        event=event,
        out_trade_no=out_trade_no,
        txn_id=_str(r.get("transaction_id")),
        amount=_fen((amount or {}).get("total")),
        out_refund_no=out_refund_no,
        refund_id=_str(r.get("refund_id")),
        refund_amount=_fen((amount or {}).get("refund")),
        refund_ok=event == "REFUND.SUCCESS" and r.get("refund_status") == "SUCCESS",
    )


def _refund_result(data: dict[str, Any]) -> RefundResult:
    status = str(data.get("status", ""))
    return RefundResult(
        state=_REFUND_STATES.get(status, RefundState.PENDING),
        refund_id=_str(data.get("refund_id")),
        detail=status,
    )
