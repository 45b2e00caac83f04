"""Everything the demo gateway knows: the demo keys (it holds the providers' private keys
and the merchants' public ones), its books, and the address payers reach it at."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from django.conf import settings

from gridcare.billing.payments.config import demo_enabled
from gridcare.billing.payments.demo.store import Store
from gridcare.billing.payments.demo_keys import DemoKeys, demo_keys_ensure


@dataclass(frozen=True)
class DemoWorld:
    keys: DemoKeys
    store: Store
    public_url: str
    redeliver_seconds: int
    wechat_merchant: rsa.RSAPublicKey  # checks our requests
    wechat_platform: rsa.RSAPrivateKey  # signs answers and callbacks
    alipay_app: rsa.RSAPublicKey
    alipay: rsa.RSAPrivateKey

    @property
    def apiv3_key(self) -> str:
        return self.keys.apiv3_key


def sign(key: rsa.RSAPrivateKey, text: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64: both providers' signature."""
    raw = key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verify(key: rsa.RSAPublicKey, text: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def demo_world() -> DemoWorld | None:
    """The gateway's world, or None when the demo gateway is off (it then answers 404)."""
    if not demo_enabled():
        return None
    return _world(
        str(settings.PAY_DEMO_KEYS_DIR),
        str(settings.PAY_DEMO_GATEWAY_DB),
        settings.PAY_DEMO_GATEWAY_URL,
        settings.PAY_DEMO_REDELIVER_SECONDS,
    )


@lru_cache(maxsize=4)
def _world(keys_dir: str, db: str, url: str, redeliver: int) -> DemoWorld:
    keys = demo_keys_ensure(Path(keys_dir))

    def public(pair: str) -> rsa.RSAPublicKey:
        key = load_pem_public_key(keys.public(pair).read_bytes())
        assert isinstance(key, rsa.RSAPublicKey)
        return key

    def private(pair: str) -> rsa.RSAPrivateKey:
        key = load_pem_private_key(keys.private(pair).read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    return DemoWorld(
        keys=keys,
        store=Store(Path(db)),
        public_url=url.rstrip("/"),
        redeliver_seconds=redeliver,
        wechat_merchant=public("wechat-merchant"),
        wechat_platform=private("wechat-platform"),
        alipay_app=public("alipay-app"),
        alipay=private("alipay"),
    )
