"""Verification codes by SMS: the sender customers' code seam is configured with
(`VERIFICATION_CODE_BACKEND`, see `gridcare.customers.codes`).

A code goes out at once, through the SMS channel's backend (the same adapter and gateway
as notifications), not through the notification queue: the person is waiting on the page,
a code is useless after five minutes, and the recipient is a mobile number, not always a
customer (registration). The gateway's idempotency key is random per message, so nothing
is ever de-duplicated across two codes.
"""

from __future__ import annotations

import secrets

from django.conf import settings

from gridcare.customers.codes import CodeNotSent
from gridcare.notify.channels.base import Outbound, backend_for
from gridcare.notify.selectors import fake_gateway_latest

#: Path of the local fake gateway (`gridcare.urls`); a gateway URL containing it is simulated.
FAKE_GATEWAY_PATH = "/_fake-gateway/"


def sms_gateway_is_fake() -> bool:
    return FAKE_GATEWAY_PATH in settings.NOTIFY_SMS_GATEWAY_URL


class SmsGatewayCodeSender:
    """Sends each code through the configured SMS backend (`GRIDCARE_SMS_BACKEND`, by
    default the HTTP gateway at `GRIDCARE_SMS_GATEWAY_URL`)."""

    @property
    def simulated(self) -> bool:
        return sms_gateway_is_fake()

    def send(self, *, mobile: str, text: str, key: str) -> None:
        message = Outbound(
            key=f"code-{key}-{secrets.token_hex(6)}",
            channel="sms",
            destination=mobile,
            subject="",
            body=text,
        )
        result = backend_for("sms").send(message)
        if not result.ok:
            raise CodeNotSent(result.error)

    def inbox(self, *, mobile: str) -> str | None:
        if not self.simulated:
            return None
        return fake_gateway_latest(channel="sms", to=mobile)
