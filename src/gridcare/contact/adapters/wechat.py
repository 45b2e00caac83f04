"""WeChat official account / mini-program messages (明文模式).

The platform signs each request with `signature = sha1(sort(token, timestamp, nonce))`;
GET with `echostr` is the server check when the URL is configured. Messages are XML,
parsed with defusedxml (no entity expansion). A timestamp more than `max_skew` seconds
from now is refused as a replay; the platform's own retries (same MsgId, seconds apart)
are de-duplicated by the caller.

>>> sig = sign("tok", "1700000000", "n1")
>>> verify(token="tok", signature=sig, timestamp="1700000000", nonce="n1", now=1700000010)
>>> verify(token="tok", signature="x" * 40, timestamp="1700000000", nonce="n1", now=1700000010)
Traceback (most recent call last):
...
gridcare.contact.adapters.base.BadSignature: 签名校验失败
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from gridcare.contact.adapters.base import BadPayload, BadSignature, Inbound, StaleRequest

MAX_SKEW_SECONDS = 300


def sign(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def verify(
    *, token: str, signature: str, timestamp: str, nonce: str, now: float,
    max_skew: int = MAX_SKEW_SECONDS,
) -> None:  # fmt: skip
    expected = sign(token, timestamp, nonce)
    if not hmac.compare_digest(expected, signature or ""):
        raise BadSignature()
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise BadSignature("时间戳无效") from exc
    if abs(now - sent) > max_skew:
        raise StaleRequest()


def parse(app_id: str, body: bytes) -> Inbound:
    """The message in a WeChat XML body (text, or a label for other kinds)."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise BadPayload("消息不是有效的 XML") from exc
    kind = _text(root, "MsgType") or "unknown"
    sender = _text(root, "FromUserName")
    message_id = _text(root, "MsgId") or f"{sender}:{_text(root, 'CreateTime')}"
    if not sender or not message_id:
        raise BadPayload("消息缺少发送者或消息编号")
    text = _text(root, "Content") if kind == "text" else f"[{kind}]"
    return Inbound("wechat", app_id, sender, message_id, kind, text, _sent_at(root))


def _sent_at(root: Element) -> datetime:
    """CreateTime (Unix seconds); anything else (not ASCII digits, past 2286) is now."""
    created = _text(root, "CreateTime")
    if created.isascii() and created.isdigit() and len(created) <= 10:
        return datetime.fromtimestamp(int(created), UTC)
    return datetime.now(UTC)


def reply(to: str, from_: str, text: str, now: int) -> bytes:
    """A passive text reply (the answer body of the webhook)."""
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{from_}]]>"
        f"</FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content></xml>"
    ).encode()


def _text(root: Element, tag: str) -> str:
    node = root.find(tag)
    return (node.text or "").strip() if node is not None else ""
