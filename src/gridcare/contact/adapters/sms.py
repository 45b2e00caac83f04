"""SMS replies (mobile-originated messages) pushed by the SMS gateway.

`POST /webhooks/sms/` with JSON `{"msg_id", "from", "text", "sent_at"?}` and header
`X-Signature: hex(hmac_sha256(secret, body))`. A reply of a single digit 1–5 is a rating
of the service the customer was last asked about (the 95598 SMS survey).

>>> import hmac, hashlib
>>> body = b'{"msg_id": "m1", "from": "13800000001", "text": "5"}'
>>> sig = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
>>> verify(secret="s3cret", body=body, signature=sig)
>>> parse(body).text, rating("5"), rating("好")
('5', 5, None)
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from gridcare.contact.adapters.base import BadPayload, BadSignature, Inbound


def verify(*, secret: str, body: bytes, signature: str) -> None:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not secret or not hmac.compare_digest(expected, signature or ""):
        raise BadSignature()


def parse(body: bytes) -> Inbound:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BadPayload("请求体不是JSON") from exc
    if not isinstance(data, dict) or not data.get("msg_id") or not data.get("from"):
        raise BadPayload("短信上行缺少 msg_id 或 from")
    text = str(data.get("text", "")).strip()
    score = rating(text)
    return Inbound(
        "sms",
        "sms",
        str(data["from"]),
        str(data["msg_id"]),
        "text",
        text,
        datetime.now(UTC),
        summary=f"短信评价：{score} 分" if score else "",
        data={"rating": score} if score else {},
        conversational=score is None,  # a rating answers a survey; it opens no conversation
    )


def rating(text: str) -> int | None:
    """1–5 when the reply is a single such digit (full-width too), else None."""
    digit = text.strip().translate(str.maketrans("１２３４５", "12345"))
    return int(digit) if digit in {"1", "2", "3", "4", "5"} else None
