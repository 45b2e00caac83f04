"""Signed webhook bodies with values no platform sends: a refusal (400) or a sane default,
never a server error and never a half-stored message (issue 23 §4)."""

from __future__ import annotations

import time

import pytest

from gridcare.contact.models import InboundMessage
from gridcare.customers.models import Interaction

from .test_webhooks import APP, OPENID, post_wechat, wechat_app  # noqa: F401


def _message(create_time: str, msg_id: str = "6100000000000000009", sender: str = OPENID) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{APP}]]></ToUserName><FromUserName><![CDATA[{sender}]]>"
        f"</FromUserName><CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]>"
        f"</MsgType><Content><![CDATA[停电了]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


@pytest.mark.parametrize("create_time", ["²", "9" * 40, "-5", "1e9"])
def test_an_unreadable_create_time_is_taken_as_now(wechat_app, create_time: str) -> None:  # noqa: F811
    before = time.time()
    response = post_wechat(_message(create_time))
    assert response.status_code == 200
    entry = Interaction.objects.get(channel="wechat")
    assert before - 5 <= entry.occurred_at.timestamp() <= time.time() + 5


@pytest.mark.parametrize(
    ("msg_id", "sender"), [("6" * 500, OPENID), ("6100000000000000009", "o" * 500)]
)
def test_identifiers_longer_than_their_columns_are_refused(
    wechat_app,  # noqa: F811
    msg_id: str,
    sender: str,
) -> None:
    response = post_wechat(_message(str(int(time.time())), msg_id=msg_id, sender=sender))
    assert response.status_code == 400
    assert response.json()["code"] == "contact.webhook.bad_payload"
    assert InboundMessage.objects.count() == 0
    assert Interaction.objects.count() == 0
