"""The providers' settings as frozen objects, with the demo keys filled in where allowed.

Every `PAY_*` setting left empty falls back to the demo world's value while the demo
gateway is on (and the installation is not in production), so `make demo` pays through
the same adapters, SDKs and signatures as production. In production an empty setting
stays empty and the provider is "not configured" (and `gridcare check --deploy` says so).
Keys are read once per distinct configuration; rotating them needs a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from gridcare.billing.payments.demo_keys import DemoKeys, demo_keys_ensure

WECHAT_API = "https://api.mch.weixin.qq.com"
ALIPAY_GATEWAY = "https://openapi.alipay.com/gateway.do"


@dataclass(frozen=True)
class WechatConfig:
    gateway: str
    mchid: str
    appid: str
    private_key: str  # PEM text (PKCS#8)
    cert_serial: str
    apiv3_key: str
    #: The platform keys that sign callbacks and answers: (serial or key id, PEM).
    platform_keys: tuple[tuple[str, str], ...]
    public_key_id: str  # set when the platform key is a public key (not a certificate)
    cert_dir: str  # folder of the platform certificates (certificate mode)
    notify_url: str
    timeout: int


@dataclass(frozen=True)
class AlipayConfig:
    gateway: str
    appid: str
    private_key: str  # the app's PEM
    alipay_public_key: str  # Alipay's PEM
    notify_url: str
    timeout: int


def demo_enabled() -> bool:
    return bool(settings.PAY_DEMO_GATEWAY) and not settings.PRODUCTION


def demo_keys() -> DemoKeys | None:
    """The demo keys (generated on first use) when the demo gateway is on, else None."""
    return demo_keys_ensure(Path(settings.PAY_DEMO_KEYS_DIR)) if demo_enabled() else None


def notify_url(provider: str) -> str:
    return f"{settings.PAY_CALLBACK_ORIGIN}/webhooks/pay/{provider}/"


def _read(path: str) -> str:
    return Path(path).read_text(encoding="ascii") if path else ""


def wechat_config() -> WechatConfig | None:
    """None when WeChat Pay is switched off or not configured."""
    if "wechat" not in settings.PAY_PROVIDERS:
        return None
    return _wechat_config(
        settings.PAY_WECHAT_GATEWAY,
        settings.PAY_WECHAT_MCHID,
        settings.PAY_WECHAT_APPID,
        settings.PAY_WECHAT_PRIVATE_KEY,
        settings.PAY_WECHAT_CERT_SERIAL,
        settings.PAY_WECHAT_APIV3_KEY,
        settings.PAY_WECHAT_PLATFORM_PUBLIC_KEY,
        settings.PAY_WECHAT_PLATFORM_PUBLIC_KEY_ID,
        tuple(settings.PAY_WECHAT_PLATFORM_CERTS),
        notify_url("wechat"),
        settings.PAY_HTTP_TIMEOUT_SECONDS,
        demo_enabled(),
        str(settings.PAY_DEMO_KEYS_DIR),
        settings.PAY_DEMO_GATEWAY_URL,
    )


@lru_cache(maxsize=8)
def _wechat_config(
    gateway: str,
    mchid: str,
    appid: str,
    private_key: str,
    serial: str,
    apiv3: str,
    public_key: str,
    public_key_id: str,
    certs: tuple[str, ...],
    notify: str,
    timeout: int,
    demo: bool,
    demo_dir: str,
    demo_url: str,
) -> WechatConfig | None:
    keys = demo_keys_ensure(Path(demo_dir)) if demo else None
    if keys is not None:
        gateway = gateway or f"{demo_url}/wechat"
        mchid, appid = mchid or keys.wechat_mchid, appid or keys.wechat_appid
        private_key = private_key or str(keys.private("wechat-merchant"))
        serial = serial or keys.wechat_cert_serial
        apiv3 = apiv3 or keys.apiv3_key
        if not public_key and not certs:
            public_key = str(keys.public("wechat-platform"))
            public_key_id = keys.wechat_public_key_id
    platform = [(public_key_id, _read(public_key))] if public_key and public_key_id else []
    platform += [_certificate(path) for path in certs]
    if not (mchid and appid and private_key and serial and apiv3 and platform):
        return None
    return WechatConfig(
        gateway=(gateway or WECHAT_API).rstrip("/"),
        mchid=mchid,
        appid=appid,
        private_key=_read(private_key),
        cert_serial=serial,
        apiv3_key=apiv3,
        platform_keys=tuple(platform),
        public_key_id=public_key_id if public_key else "",
        cert_dir=str(Path(certs[0]).parent) if certs and not public_key else "",
        notify_url=notify,
        timeout=timeout,
    )


def _certificate(path: str) -> tuple[str, str]:
    """(serial as WeChat writes it: upper-case hex, the certificate's public key PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    pem = cert.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return format(cert.serial_number, "X"), pem.decode("ascii")


def alipay_config() -> AlipayConfig | None:
    if "alipay" not in settings.PAY_PROVIDERS:
        return None
    return _alipay_config(
        settings.PAY_ALIPAY_GATEWAY,
        settings.PAY_ALIPAY_APPID,
        settings.PAY_ALIPAY_PRIVATE_KEY,
        settings.PAY_ALIPAY_PUBLIC_KEY,
        notify_url("alipay"),
        settings.PAY_HTTP_TIMEOUT_SECONDS,
        demo_enabled(),
        str(settings.PAY_DEMO_KEYS_DIR),
        settings.PAY_DEMO_GATEWAY_URL,
    )


@lru_cache(maxsize=8)
def _alipay_config(
    gateway: str,
    appid: str,
    private_key: str,
    public_key: str,
    notify: str,
    timeout: int,
    demo: bool,
    demo_dir: str,
    demo_url: str,
) -> AlipayConfig | None:
    keys = demo_keys_ensure(Path(demo_dir)) if demo else None
    if keys is not None:
        gateway = gateway or f"{demo_url}/alipay/gateway.do"
        appid = appid or keys.alipay_appid
        private_key = private_key or str(keys.private("alipay-app"))
        public_key = public_key or str(keys.public("alipay"))
    if not (appid and private_key and public_key):
        return None
    return AlipayConfig(
        gateway=gateway or ALIPAY_GATEWAY,
        appid=appid,
        private_key=_read(private_key),
        alipay_public_key=_read(public_key),
        notify_url=notify,
        timeout=timeout,
    )
