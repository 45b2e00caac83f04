"""Delivery of verification codes to a registered mobile number.

One seam: `settings.VERIFICATION_CODE_BACKEND` names a class with `send(mobile, text)`.
The recording backend (demo and tests) stores what it would have sent; a real SMS gateway
adapter plugs in here once the notify app exists.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from gridcare.customers.models import SimulatedMessage


class CodeSender(Protocol):
    simulated: bool

    def send(self, *, mobile: str, text: str) -> None: ...


class RecordingCodeSender:
    """Writes each message to `SimulatedMessage` instead of a gateway."""

    simulated = True

    def send(self, *, mobile: str, text: str) -> None:
        SimulatedMessage.objects.create(mobile=mobile, text=text)


def code_sender() -> CodeSender:
    sender_class = import_string(settings.VERIFICATION_CODE_BACKEND)
    sender: CodeSender = sender_class()
    return sender
