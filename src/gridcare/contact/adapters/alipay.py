"""Alipay life-account style messages: a form POST signed with RSA2 (SHA256withRSA).

The signed text is every parameter but `sign` and `sign_type`, sorted by name, as
`k=v` joined with `&` (values as received). Fields: app_id, msg_id, from_user_id,
msg_type, content, timestamp (`YYYY-MM-DD HH:MM:SS`, Beijing), sign_type=RSA2, sign
(base64). A timestamp more than five minutes from now is refused as a replay.

>>> signed_text({"b": "2", "a": "1", "sign": "x", "sign_type": "RSA2", "c": ""})
'a=1&b=2'
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from gridcare.contact.adapters.base import BadPayload, BadSignature, Inbound, StaleRequest

BEIJING = timezone(timedelta(hours=8))
MAX_SKEW = timedelta(minutes=5)


def signed_text(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{k}={params[k]}" for k in sorted(params) if k not in ("sign", "sign_type") and params[k]
    )


def verify(*, public_key_pem: bytes, params: Mapping[str, str], now: datetime) -> None:
    if params.get("sign_type") != "RSA2":
        raise BadSignature("仅支持 RSA2 签名")
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadSignature("应用公钥不是 RSA 公钥")
    try:
        raw = base64.b64decode(params.get("sign", ""), validate=True)
        key.verify(raw, signed_text(params).encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise BadSignature() from exc
    try:
        sent = datetime.strptime(params.get("timestamp", ""), "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise BadPayload("timestamp 格式应为 YYYY-MM-DD HH:MM:SS") from exc
    if abs(now - sent.replace(tzinfo=BEIJING)) > MAX_SKEW:
        raise StaleRequest()


def parse(params: Mapping[str, str]) -> Inbound:
    sender, message_id = params.get("from_user_id", ""), params.get("msg_id", "")
    if not sender or not message_id:
        raise BadPayload("消息缺少 from_user_id 或 msg_id")
    kind = params.get("msg_type", "text")
    text = params.get("content", "") if kind == "text" else f"[{kind}]"
    sent = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    return Inbound("alipay", params.get("app_id", ""), sender, message_id, kind, text, sent)
