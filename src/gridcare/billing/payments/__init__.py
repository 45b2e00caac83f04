"""Payment providers: one adapter per online provider, speaking its real protocol through
its maintained SDK (`wechat.py`: WeChat Pay API v3 via wechatpayv3; `alipay.py`: Alipay
RSA2 via python-alipay-sdk), and the demo gateway (`demo/`) that plays both providers with
keys generated for the demo (`demo_keys.py`), so the demo pays through this same code.

Services call `adapter_for(provider)`; nothing here writes the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from gridcare.billing.choices import Provider
from gridcare.billing.payments.alipay import AlipayAdapter
from gridcare.billing.payments.base import (
    Checkout,
    Device,
    NotConfigured,
    Notice,
    RefundResult,
    Trade,
)
from gridcare.billing.payments.config import (
    AlipayConfig,
    WechatConfig,
    alipay_config,
    wechat_config,
)
from gridcare.billing.payments.wechat import WechatAdapter


class PayAdapter(Protocol):
    provider: str

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
    ) -> Checkout: ...

    def query(self, *, out_trade_no: str) -> Trade: ...

    def close(self, *, out_trade_no: str) -> bool: ...

    def refund(
        self,
        *,
        out_trade_no: str,
        out_refund_no: str,
        amount: Decimal,
        total: Decimal,
        reason: str,
    ) -> RefundResult: ...

    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult: ...

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, now: float) -> Notice: ...


def adapter_for(provider: str) -> PayAdapter:
    """The adapter of an online provider; NotConfigured (503) when it is switched off or
    its keys are missing."""
    if provider == Provider.WECHAT:
        wechat = wechat_config()
        if wechat is not None:
            return _wechat(wechat)
    elif provider == Provider.ALIPAY:
        alipay = alipay_config()
        if alipay is not None:
            return _alipay(alipay)
    raise NotConfigured(provider)


@lru_cache(maxsize=4)
def _wechat(config: WechatConfig) -> WechatAdapter:
    return WechatAdapter(config)


@lru_cache(maxsize=4)
def _alipay(config: AlipayConfig) -> AlipayAdapter:
    return AlipayAdapter(config)
