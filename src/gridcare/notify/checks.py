"""What must not run in production: simulated senders and demo conveniences.

`simulated_components()` lists them. With `GRIDCARE_PRODUCTION=true` the application
refuses to start while the list is not empty (`NotifyConfig.ready`); `gridcare check
--deploy` reports each as an error in any mode, so an operator sees them before going live.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from gridcare.notify.codes import FAKE_GATEWAY_PATH


def simulated_components() -> list[tuple[str, str, str]]:
    """(check id, what is simulated, how to fix it) for each simulated sender or demo
    convenience that is switched on."""
    found = []
    sender = import_string(settings.VERIFICATION_CODE_BACKEND)()
    if sender.simulated:
        found.append(
            (
                "gridcare.E001",
                "verification codes go to a simulated sender "
                f"({settings.VERIFICATION_CODE_BACKEND}): no real phone gets them",
                "Set GRIDCARE_SMS_GATEWAY_URL to the SMS provider's gateway and leave "
                "GRIDCARE_VERIFICATION_CODE_BACKEND at its default.",
            )
        )
    if settings.NOTIFY_FAKE_GATEWAY:
        found.append(
            (
                "gridcare.E002",
                "the fake SMS/WeChat gateway is served at /_fake-gateway/ (GRIDCARE_FAKE_GATEWAY)",
                "Set GRIDCARE_FAKE_GATEWAY=false.",
            )
        )
    for channel, url in (
        ("SMS", settings.NOTIFY_SMS_GATEWAY_URL),
        ("WECHAT", settings.NOTIFY_WECHAT_GATEWAY_URL),
    ):
        if FAKE_GATEWAY_PATH in url:
            found.append(
                (
                    "gridcare.E003",
                    f"{channel} messages go to the fake gateway ({url})",
                    f"Set GRIDCARE_{channel}_GATEWAY_URL to the provider's gateway.",
                )
            )
    if not settings.NOTIFY_SMS_GATEWAY_URL:
        found.append(
            (
                "gridcare.E004",
                "no SMS gateway is configured: verification codes cannot be sent",
                "Set GRIDCARE_SMS_GATEWAY_URL to the SMS provider's gateway.",
            )
        )
    if _is_loopback(settings.SERVICE_PORTAL_ORIGIN):
        found.append(
            (
                "gridcare.E005",
                "links in customers' messages (return visits, order progress) point at "
                f"this machine ({settings.SERVICE_PORTAL_ORIGIN}): no customer can open them",
                "Set GRIDCARE_PORTAL_ORIGIN to the portal's public address (https://…).",
            )
        )
    return found


def _is_loopback(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    return host in {"localhost", "::1"} or host.startswith("127.")


@register(deploy=True)
def check_no_simulated_components(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [Error(what, hint=hint, id=check_id) for check_id, what, hint in simulated_components()]


def refuse_simulated_in_production() -> None:
    """Stop the start-up of a production instance that would simulate anything."""
    if not settings.PRODUCTION:
        return
    found = simulated_components()
    if found:
        reasons = "; ".join(f"{what} ({hint})" for _id, what, hint in found)
        raise ImproperlyConfigured(f"GRIDCARE_PRODUCTION=true, but {reasons}")
