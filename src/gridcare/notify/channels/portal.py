"""The portal message centre: the notification row is the inbox entry, nothing to send."""

from __future__ import annotations

from gridcare.notify.channels.base import Outbound, SendResult


class PortalInboxBackend:
    def send(self, message: Outbound) -> SendResult:
        return SendResult(ok=True, provider_id=f"portal:{message.key}")
