"""WeChat and Alipay webhooks: signatures, replays, duplicates, unknown apps and senders,
oversized bodies — every refusal creates nothing."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.test import Client

from gridcare.contact.adapters import alipay, wechat
from gridcare.contact.models import InboundMessage
from gridcare.customers.models import ChannelIdentity, Interaction

TOKEN = "wx-token-2026"
APP = "wx1234567890"
OPENID = "oAlice0001"
BEIJING = timezone(timedelta(hours=8))


@pytest.fixture
def wechat_app(settings, world):  # type: ignore[no-untyped-def]
    settings.CONTACT_WECHAT_APPS = {APP: TOKEN}
    ChannelIdentity.objects.create(
        customer=world.customer_alice, channel="wechat", external_id=OPENID
    )
    return world


def signed_query(timestamp: int | None = None, token: str = TOKEN) -> str:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return urlencode(
        {"signature": wechat.sign(token, ts, "n0nce"), "timestamp": ts, "nonce": "n0nce"}
    )


def text_message(
    sender: str = OPENID, msg_id: str = "6100000000000000001", text: str = "家里停电了"
) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{APP}]]></ToUserName><FromUserName><![CDATA[{sender}]]>"
        f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]>"
        f"</MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


def post_wechat(body: bytes, query: str | None = None, app: str = APP):  # type: ignore[no-untyped-def]
    return Client().post(
        f"/webhooks/wechat/{app}/?{query or signed_query()}", body, content_type="text/xml"
    )


def test_server_check_echoes_the_challenge(wechat_app) -> None:
    response = Client().get(f"/webhooks/wechat/{APP}/?{signed_query()}&echostr=8877")
    assert response.status_code == 200
    assert response.content == b"8877"


def test_a_known_senders_message_lands_on_their_timeline_and_is_answered(wechat_app) -> None:
    response = post_wechat(text_message())
    assert response.status_code == 200
    assert "已收到您的消息" in response.content.decode()
    assert f"<ToUserName><![CDATA[{OPENID}]]>" in response.content.decode()
    entry = Interaction.objects.get(customer=wechat_app.customer_alice)
    assert (entry.channel, entry.direction, entry.summary) == ("wechat", "inbound", "家里停电了")
    message = InboundMessage.objects.get()
    assert message.interaction_id == entry.pk


def test_the_platforms_retry_of_the_same_msgid_creates_nothing_new(wechat_app) -> None:
    assert post_wechat(text_message()).status_code == 200
    again = post_wechat(text_message(text="家里停电了"))
    assert again.status_code == 200
    assert InboundMessage.objects.count() == 1
    assert Interaction.objects.count() == 1


def test_an_unknown_sender_is_asked_to_bind_an_account(wechat_app) -> None:
    response = post_wechat(text_message(sender="oStranger"))
    assert "请先绑定户号" in response.content.decode()
    message = InboundMessage.objects.get()
    assert message.customer is None
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "app", "status", "code"),
    [
        (lambda: signed_query(token="wrong"), APP, 403, "contact.webhook.bad_signature"),
        (
            lambda: signed_query(timestamp=int(time.time()) - 3600),
            APP,
            403,
            "contact.webhook.stale",
        ),
        (lambda: signed_query(), "wxUnknown", 404, "contact.webhook.unknown_app"),
    ],
)
def test_refused_requests_create_nothing(wechat_app, query, app, status, code) -> None:  # type: ignore[no-untyped-def]
    response = post_wechat(text_message(), query(), app)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert InboundMessage.objects.count() == 0
    assert Interaction.objects.count() == 0


def test_an_oversized_or_malformed_body_is_refused(wechat_app, settings) -> None:
    settings.CONTACT_WEBHOOK_MAX_BYTES = 1024
    big = post_wechat(text_message(text="长" * 2000))
    assert big.status_code == 413
    assert big.json()["code"] == "contact.webhook.too_large"
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml>&a;</xml>'
    assert post_wechat(bomb).status_code == 400
    assert InboundMessage.objects.count() == 0


# --- Alipay -------------------------------------------------------------------------------------


@pytest.fixture
def alipay_key(settings, world, tmp_path: Path):  # type: ignore[no-untyped-def]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "alipay.pem").write_bytes(pem)
    settings.CONTACT_ALIPAY_APPS = {"2021000000000001": str(tmp_path / "alipay.pem")}
    ChannelIdentity.objects.create(
        customer=world.customer_alice, channel="alipay", external_id="2088001"
    )
    return key


def alipay_params(key, **overrides: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    params = {
        "app_id": "2021000000000001",
        "msg_id": "ali-1",
        "from_user_id": "2088001",
        "msg_type": "text",
        "content": "查询本月电费",
        "timestamp": datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        "sign_type": "RSA2",
    }
    params.update(overrides)
    signature = key.sign(alipay.signed_text(params).encode(), padding.PKCS1v15(), hashes.SHA256())
    params["sign"] = base64.b64encode(signature).decode()
    return params


def post_alipay(params: dict[str, str]):  # type: ignore[no-untyped-def]
    return Client().post(
        "/webhooks/alipay/2021000000000001/",
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
    )


def test_a_signed_alipay_message_lands_on_the_timeline_once(alipay_key, world) -> None:
    params = alipay_params(alipay_key)
    assert post_alipay(params).content == b"success"
    assert post_alipay(params).content == b"success"  # delivered again
    entry = Interaction.objects.get()
    assert (entry.customer, entry.channel, entry.summary) == (
        world.customer_alice,
        "alipay",
        "查询本月电费",
    )


def test_a_tampered_alipay_message_is_refused(alipay_key) -> None:
    params = alipay_params(alipay_key)
    params["content"] = "改过的内容"
    response = post_alipay(params)
    assert response.status_code == 403
    assert response.json()["code"] == "contact.webhook.bad_signature"
    old = alipay_params(alipay_key, timestamp="2020-01-01 00:00:00")
    assert post_alipay(old).json()["code"] == "contact.webhook.stale"
    assert InboundMessage.objects.count() == 0


# --- SMS replies ----------------------------------------------------------------------------

SMS_SECRET = "sms-callback-secret"


def post_sms(body: dict[str, str], secret: str = SMS_SECRET):  # type: ignore[no-untyped-def]
    import hashlib
    import hmac
    import json

    raw = json.dumps(body, ensure_ascii=False).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return Client().post(
        "/webhooks/sms/", raw, content_type="application/json", HTTP_X_SIGNATURE=signature
    )


def test_an_sms_rating_reply_is_recorded_on_the_timeline(world, settings) -> None:
    settings.CONTACT_SMS_SECRET = SMS_SECRET
    response = post_sms({"msg_id": "mo-1", "from": world.customer_alice.mobile, "text": "５"})
    assert response.status_code == 200
    entry = Interaction.objects.get(customer=world.customer_alice)
    assert (entry.channel, entry.summary, entry.data) == ("sms", "短信评价：5 分", {"rating": 5})
    assert (
        post_sms({"msg_id": "mo-1", "from": world.customer_alice.mobile, "text": "5"}).status_code
        == 200
    )
    assert Interaction.objects.count() == 1


def test_an_sms_reply_with_a_bad_signature_or_no_secret_is_refused(world, settings) -> None:
    settings.CONTACT_SMS_SECRET = SMS_SECRET
    forged = post_sms({"msg_id": "mo-2", "from": world.customer_alice.mobile, "text": "1"}, "guess")
    assert forged.status_code == 403
    settings.CONTACT_SMS_SECRET = ""
    unset = post_sms({"msg_id": "mo-3", "from": world.customer_alice.mobile, "text": "1"}, "")
    assert unset.status_code == 403
    assert InboundMessage.objects.count() == 0
