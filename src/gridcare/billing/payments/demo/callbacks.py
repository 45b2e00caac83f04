"""The demo gateway's callbacks: built, signed and encrypted as the providers do, and sent
to the order's `notify_url` over HTTP (with retries while not answered as accepted, and
one extra delivery `PAY_DEMO_REDELIVER_SECONDS` later to exercise idempotency).

The builders are also what the tests and the benchmark use to make genuine callbacks.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gridcare.billing.payments.demo.world import DemoWorld, sign

logger = logging.getLogger("gridcare.billing.demo_gateway")
BEIJING = timezone(timedelta(hours=8))
Built = tuple[dict[str, str], bytes]
_RETRY_SECONDS = (1, 5, 15)


def beijing_now(now: float | None = None) -> datetime:
    return datetime.fromtimestamp(time.time() if now is None else now, BEIJING)


def wechat_callback(
    world: DemoWorld,
    *,
    event_type: str,
    resource: dict[str, Any],
    now: float | None = None,
    original_type: str = "transaction",
    summary: str = "支付成功",
) -> Built:
    """(headers, body) of a WeChat Pay v3 callback: `resource` encrypted with the APIv3 key
    (AES-256-GCM), the body signed with the platform key over `ts\\nnonce\\nbody\\n`."""
    plain = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat's
    cipher = AESGCM(world.apiv3_key.encode()).encrypt(nonce.encode(), plain, original_type.encode())
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "create_time": beijing_now(now).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(cipher).decode(),
                "associated_data": original_type,
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    )
    return wechat_signed_headers(world, body, now=now), body.encode()


def wechat_signed_headers(
    world: DemoWorld, body: str, *, now: float | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16).upper()
    return {
        "Content-Type": "application/json",
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": sign(world.wechat_platform, f"{timestamp}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": world.keys.wechat_public_key_id,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def wechat_transaction(
    world: DemoWorld,
    *,
    out_trade_no: str,
    txn_id: str,
    total_fen: int,
    paid_at: str = "",
    trade_state: str = "SUCCESS",
) -> dict[str, Any]:
    """The decrypted `resource` of TRANSACTION.SUCCESS (and the query's answer)."""
    return {
        "mchid": world.keys.wechat_mchid,
        "appid": world.keys.wechat_appid,
        "out_trade_no": out_trade_no,
        "transaction_id": txn_id,
        "trade_type": "NATIVE",
        "trade_state": trade_state,
        "trade_state_desc": "支付成功" if trade_state == "SUCCESS" else trade_state,
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": paid_at or beijing_now().isoformat(timespec="seconds"),
        "payer": {"openid": "o-demo-payer"},
        "amount": {
            "total": total_fen,
            "payer_total": total_fen,
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }


def wechat_refund(
    world: DemoWorld,
    *,
    out_trade_no: str,
    txn_id: str,
    out_refund_no: str,
    refund_id: str,
    refund_fen: int,
    total_fen: int,
    status: str = "SUCCESS",
) -> dict[str, Any]:
    return {
        "mchid": world.keys.wechat_mchid,
        "out_trade_no": out_trade_no,
        "transaction_id": txn_id,
        "out_refund_no": out_refund_no,
        "refund_id": refund_id,
        "refund_status": status,
        "success_time": beijing_now().isoformat(timespec="seconds"),
        "user_received_account": "支付用户零钱",
        "amount": {
            "total": total_fen,
            "refund": refund_fen,
            "payer_total": total_fen,
            "payer_refund": refund_fen,
        },
    }


def alipay_notify(world: DemoWorld, params: dict[str, str], *, now: float | None = None) -> Built:
    """(headers, form body) of an Alipay asynchronous notify, signed with Alipay's key over
    every parameter but `sign` and `sign_type`, sorted by name."""
    full = {
        "notify_time": beijing_now(now).strftime("%Y-%m-%d %H:%M:%S"),
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "app_id": world.keys.alipay_appid,
        "charset": "utf-8",
        "version": "1.0",
        **params,
        "sign_type": "RSA2",
    }
    text = "&".join(f"{k}={full[k]}" for k in sorted(full) if k not in ("sign", "sign_type"))
    full["sign"] = sign(world.alipay, text)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return headers, urlencode(full).encode()


def alipay_trade(
    *, out_trade_no: str, txn_id: str, total: str, status: str = "TRADE_SUCCESS", **extra: str
) -> dict[str, str]:
    """The trade fields of a notify (what the query also says)."""
    return {
        "out_trade_no": out_trade_no,
        "trade_no": txn_id,
        "trade_status": status,
        "total_amount": total,
        "receipt_amount": total,
        "buyer_pay_amount": total,
        "buyer_id": "2088000000000001",
        "subject": "电费",
        "gmt_payment": beijing_now().strftime("%Y-%m-%d %H:%M:%S"),
        **extra,
    }


def accepted(provider: str, status: int, answer: str) -> bool:
    """Whether the merchant's answer stops the provider's retries."""
    if provider == "alipay":
        return answer.strip() == "success"
    return status in (200, 204)


def deliver(
    world: DemoWorld,
    *,
    provider: str,
    out_trade_no: str,
    kind: str,
    url: str,
    build: Callable[[], Built],
) -> bool:
    """One delivery (signed afresh, as a provider's retry is); logged in the gateway's books."""
    if urlsplit(url).scheme not in ("http", "https"):
        return False
    headers, body = build()
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=5)
        status, answer = response.status_code, response.text
    except httpx.HTTPError as exc:
        status, answer = 0, f"{type(exc).__name__}: {exc}"
    world.store.delivery_log(
        provider=provider,
        out_trade_no=out_trade_no,
        kind=kind,
        url=url,
        status=status,
        answer=answer,
    )
    return accepted(provider, status, answer)


def send_in_background(
    world: DemoWorld,
    *,
    provider: str,
    out_trade_no: str,
    kind: str,
    url: str,
    build: Callable[[], Built],
) -> None:
    """Deliver until accepted (a few retries), then once more after the redelivery delay."""

    def run() -> None:
        for pause in (*_RETRY_SECONDS, None):
            if deliver(
                world, provider=provider, out_trade_no=out_trade_no, kind=kind, url=url, build=build
            ):
                break
            if pause is None:
                logger.warning("demo gateway: %s callback for %s not accepted", kind, out_trade_no)
                return
            time.sleep(pause)
        if world.redeliver_seconds > 0:
            time.sleep(world.redeliver_seconds)
            deliver(
                world, provider=provider, out_trade_no=out_trade_no, kind=kind, url=url, build=build
            )

    threading.Thread(target=run, name=f"demo-pay-{kind}", daemon=True).start()
