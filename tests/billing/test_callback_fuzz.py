"""Whatever arrives at the payment callbacks, the answer is never a 500 and nothing is
applied: random bytes and headers, and — past the signature check — genuinely signed
callbacks whose decrypted content or form fields are arbitrary."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.billing.models import LedgerEntry
from gridcare.billing.payments.demo import callbacks
from tests.billing.pay_support import post_callback

pytestmark = pytest.mark.django_db
ANSWERS = {200, 400, 401, 404, 405, 409, 413}
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_text = st.text(max_size=40)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_resource = st.fixed_dictionaries(
    {},
    optional={
        "mchid": st.one_of(_text, st.integers()),
        "appid": _text,
        "out_trade_no": st.one_of(_text, st.integers(), st.none()),
        "transaction_id": st.one_of(_text, st.lists(_text)),
        "trade_state": st.sampled_from(["SUCCESS", "NOTPAY", ""]),
        "amount": st.one_of(
            _json, st.fixed_dictionaries({"total": st.one_of(st.integers(), _text)})
        ),
        "success_time": _text,
        "out_refund_no": _text,
        "refund_status": _text,
    },
)


def _post(client, provider: str, signed: tuple[dict[str, str], bytes]) -> int:  # type: ignore[no-untyped-def]
    # Examples share the test's database: the records they leave do not matter, since
    # none of them may ever post money.
    return int(post_callback(client, provider, signed).status_code)


@FUZZ
@given(
    body=st.binary(max_size=300),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "Wechatpay-Signature",
                "Wechatpay-Timestamp",
                "Wechatpay-Nonce",
                "Wechatpay-Serial",
                "Wechatpay-Signature-Type",
                "Content-Type",
            ]
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    ),
    provider=st.sampled_from(["wechat", "alipay"]),
)
def test_random_bytes_and_headers_are_refused_cleanly(
    demo_pay, client, body: bytes, headers: dict[str, str], provider: str
) -> None:  # type: ignore[no-untyped-def]
    assert _post(client, provider, (dict(headers), body)) in ANSWERS


@FUZZ
@given(
    resource=st.one_of(_resource, _json),
    event=st.sampled_from(["TRANSACTION.SUCCESS", "REFUND.SUCCESS", "X"]),
)
def test_signed_wechat_callbacks_with_any_content_are_answered_cleanly(
    world, demo_pay, client, resource: Any, event: str
) -> None:  # type: ignore[no-untyped-def]
    if isinstance(resource, dict):
        resource.setdefault("mchid", demo_pay.keys.wechat_mchid)
    signed = callbacks.wechat_callback(demo_pay, event_type=event, resource=resource)
    assert _post(client, "wechat", signed) in ANSWERS
    assert not LedgerEntry.objects.exists()


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "out_trade_no",
                "trade_no",
                "trade_status",
                "total_amount",
                "refund_fee",
                "out_biz_no",
                "gmt_payment",
                "notify_time",
                "app_id",
            ]
        ),
        st.text(max_size=30),
    )
)
def test_signed_alipay_notifies_with_any_fields_are_answered_cleanly(
    world, demo_pay, client, fields: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    signed = callbacks.alipay_notify(demo_pay, fields)
    assert _post(client, "alipay", signed) in ANSWERS
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_multipart_form_is_a_400(demo_pay, client, provider: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(f"/webhooks/pay/{provider}/", data={"a": "1"})
    assert response.status_code == 400
