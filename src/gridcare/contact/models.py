"""Inbound messages as received, before and whether or not they reach a customer."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.contact.choices import ConversationEventKind, ConversationStatus, Speaker
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
    # The platform's own message type (WeChat MsgType, Alipay msg_type), kept as sent:
    # an open set we do not define, so no choices.
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


class Conversation(models.Model):
    """在线会话: a live conversation with a customer on one channel, handled by one agent
    at a time. Claim, transfer and close are compare-and-set on (status, assignee); each
    change is a `ConversationEvent`."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=16)
    status = models.CharField(
        _("status"), max_length=8, choices=ConversationStatus.choices, db_index=True
    )
    assignee = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel}:{self.customer_id}:{self.status}"


class ConversationMessage(models.Model):
    """One line of a conversation: from the customer, an agent, or the assistant (the
    transcript handed over with the conversation)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    speaker = models.CharField(max_length=16, choices=Speaker.choices)
    author = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:30]}"


class ConversationEvent(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=ConversationEventKind.choices)
    actor = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.kind}"


class CannedReply(models.Model):
    """常用回复: a ready answer agents insert and adapt."""

    title = models.CharField(_("title"), max_length=60)
    text = models.TextField(_("text"))
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
