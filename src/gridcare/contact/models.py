"""Inbound messages as received, before and whether or not they reach a customer."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Customer


class InboundMessage(models.Model):
    """入站消息: one message a channel delivered (WeChat, Alipay, SMS reply, web chat).

    (channel, app_id, message_id) is unique: a platform delivering again (WeChat retries
    after 5 s without an answer) changes nothing. `customer` is who the sender resolved to
    (NULL: an unknown sender, who was asked to bind an account); `interaction_id` the
    timeline entry it made.
    """

    channel = models.CharField(_("channel"), max_length=16)
    app_id = models.CharField(max_length=64)
    message_id = models.CharField(max_length=128)
    sender = models.CharField(_("sender"), max_length=128)
    kind = models.CharField(max_length=32, default="text")
    text = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    interaction_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "app_id", "message_id"], name="contact_inbound_unique_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.message_id}"
