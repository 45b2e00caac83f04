"""Delivery of verification codes (binding an account, registering a login) to a mobile.

One seam: `settings.VERIFICATION_CODE_BACKEND` names a class with this module's
`CodeSender` interface. customers sits below notify and does not import it; the default
sender, `gridcare.notify.codes.SmsGatewayCodeSender`, lives in notify and sends through
notify's SMS channel (the fake gateway in the demo, the utility's real gateway in
production). This is dependency inversion through a setting: the interface is here, the
implementation above (docs/architecture.md, "Verification codes").

A sender is `simulated` when what it sends reaches no real phone (the recording sender
below; the SMS sender while it points at the fake gateway). Production refuses to start
with a simulated sender, and `gridcare check --deploy` fails (`notify.checks`).
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from gridcare.customers.models import SimulatedMessage


class CodeNotSent(Exception):
    """The gateway did not take the message; the reason is for the log, not the user."""


class CodeSender(Protocol):
    @property
    def simulated(self) -> bool: ...

    def send(self, *, mobile: str, text: str, key: str) -> None:
        """Deliver `text` to `mobile` (`key`: the gateway's idempotency key), or raise
        `CodeNotSent`."""

    def inbox(self, *, mobile: str) -> str | None:
        """The newest text a simulated sender delivered to `mobile` (None if it is real)."""


class RecordingCodeSender:
    """Writes each message to `SimulatedMessage` instead of a gateway (tests)."""

    simulated = True

    def send(self, *, mobile: str, text: str, key: str) -> None:
        SimulatedMessage.objects.create(mobile=mobile, text=text)

    def inbox(self, *, mobile: str) -> str | None:
        message = SimulatedMessage.objects.filter(mobile=mobile).first()
        return message.text if message else None


def code_sender() -> CodeSender:
    sender_class = import_string(settings.VERIFICATION_CODE_BACKEND)
    sender: CodeSender = sender_class()
    return sender
