"""Deploy checks for payments (`gridcare check --deploy`): each is an Error, so an
operator cannot go live while

- billing.E001 the demo payment gateway is on (it pays without money);
- billing.E002 a provider's keys are missing (orders and callbacks would fail);
- billing.E003 a provider runs on the demo keys (anyone with the demo could sign
  callbacks: the demo's private keys are not secret);
- billing.E004 a provider's API address is the demo gateway;
- billing.E005 callbacks would go to an address the provider cannot reach (not https,
  or this machine).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from gridcare.billing.payments.demo_keys import MANIFEST, key_fingerprint, secret_fingerprint


def _demo_fingerprints() -> set[str]:
    """Fingerprints of every demo key set under the data folder (the current one and any
    left from earlier builds)."""
    found: set[str] = set()
    roots = {Path(settings.PAY_DEMO_KEYS_DIR), Path(settings.DATA_DIR)}
    for root in roots:
        for manifest in (*root.glob(MANIFEST), *root.glob(f"*/{MANIFEST}")):
            try:
                found.update(json.loads(manifest.read_text(encoding="utf-8"))["fingerprints"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
    return found


def _fingerprint(path: str) -> str:
    try:
        return key_fingerprint(Path(path).read_bytes())
    except OSError:
        return ""


def _provider_keys() -> dict[str, tuple[list[str], list[str]]]:
    """provider → (names of missing settings, fingerprints of what is configured)."""
    wechat_key_paths = [settings.PAY_WECHAT_PRIVATE_KEY, settings.PAY_WECHAT_PLATFORM_PUBLIC_KEY]
    wechat = {
        "GRIDCARE_PAY_WECHAT_MCHID": settings.PAY_WECHAT_MCHID,
        "GRIDCARE_PAY_WECHAT_APPID": settings.PAY_WECHAT_APPID,
        "GRIDCARE_PAY_WECHAT_PRIVATE_KEY": settings.PAY_WECHAT_PRIVATE_KEY,
        "GRIDCARE_PAY_WECHAT_CERT_SERIAL": settings.PAY_WECHAT_CERT_SERIAL,
        "GRIDCARE_PAY_WECHAT_APIV3_KEY": settings.PAY_WECHAT_APIV3_KEY,
        "GRIDCARE_PAY_WECHAT_PLATFORM_PUBLIC_KEY (or _PLATFORM_CERTS)": (
            settings.PAY_WECHAT_PLATFORM_PUBLIC_KEY or ",".join(settings.PAY_WECHAT_PLATFORM_CERTS)
        ),
    }
    alipay = {
        "GRIDCARE_PAY_ALIPAY_APPID": settings.PAY_ALIPAY_APPID,
        "GRIDCARE_PAY_ALIPAY_PRIVATE_KEY": settings.PAY_ALIPAY_PRIVATE_KEY,
        "GRIDCARE_PAY_ALIPAY_PUBLIC_KEY": settings.PAY_ALIPAY_PUBLIC_KEY,
    }
    wechat_prints = [_fingerprint(p) for p in wechat_key_paths if p]
    if settings.PAY_WECHAT_APIV3_KEY:
        wechat_prints.append(secret_fingerprint(settings.PAY_WECHAT_APIV3_KEY))
    alipay_paths = [settings.PAY_ALIPAY_PRIVATE_KEY, settings.PAY_ALIPAY_PUBLIC_KEY]
    return {
        "wechat": ([name for name, value in wechat.items() if not value], wechat_prints),
        "alipay": (
            [name for name, value in alipay.items() if not value],
            [_fingerprint(p) for p in alipay_paths if p],
        ),
    }


def payment_deploy_problems() -> list[tuple[str, str, str]]:
    """(check id, problem, how to fix it) for every payment setting unfit for production."""
    found = []
    if settings.PAY_DEMO_GATEWAY:
        found.append(
            (
                "billing.E001",
                "the demo payment gateway is on (/_demo-pay/): it pays without money",
                "Set GRIDCARE_PAY_DEMO_GATEWAY=false (the default with GRIDCARE_PRODUCTION=true).",
            )
        )
    demo = _demo_fingerprints()
    gateways = {"wechat": settings.PAY_WECHAT_GATEWAY, "alipay": settings.PAY_ALIPAY_GATEWAY}
    for provider, (missing, prints) in _provider_keys().items():
        if provider not in settings.PAY_PROVIDERS:
            continue
        if missing:
            found.append(
                (
                    "billing.E002",
                    f"{provider} pay keys are missing: {', '.join(missing)}",
                    f"Set them (docs/deploy.md, 'Payment keys'), or leave {provider} out of GRIDCARE_PAY_PROVIDERS.",
                )
            )
        if demo & set(prints):
            found.append(
                (
                    "billing.E003",
                    f"{provider} pay keys are the demo keys",
                    "Use the keys the provider issued to the merchant (docs/deploy.md).",
                )
            )
        if settings.PAY_DEMO_GATEWAY_URL and gateways[provider].startswith(
            settings.PAY_DEMO_GATEWAY_URL
        ):
            found.append(
                (
                    "billing.E004",
                    f"{provider} API calls go to the demo gateway ({gateways[provider]})",
                    f"Leave GRIDCARE_PAY_{provider.upper()}_GATEWAY empty (the provider's own address).",
                )
            )
    origin = urlsplit(settings.PAY_CALLBACK_ORIGIN)
    host = origin.hostname or ""
    if origin.scheme != "https" or host in {"localhost", "::1"} or host.startswith("127."):
        found.append(
            (
                "billing.E005",
                f"payment callbacks would go to {settings.PAY_CALLBACK_ORIGIN}: the providers need a public https address",
                "Set GRIDCARE_PAY_CALLBACK_ORIGIN (or GRIDCARE_PORTAL_ORIGIN) to https://<public host>.",
            )
        )
    return found


@register(deploy=True)
def check_payments(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(what, hint=hint, id=check_id) for check_id, what, hint in payment_deploy_problems()
    ]
