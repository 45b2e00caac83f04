"""The assistant's data: the knowledge base (FAQ entries, questions it could not answer)
and the bot's conversations (one `BotSession` per customer and channel, one `BotTurn` per
line). The NLU model itself is a file (settings.ASSISTANT_MODEL_PATH), not a row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.assistant.choices import (
    FaqCategory,
    HandoffReason,
    SessionStatus,
    TurnSpeaker,
    UnansweredStatus,
)
from gridcare.customers.models import Customer


class FaqEntry(models.Model):
    """One knowledge-base answer with the ways customers ask for it. `code` is stable: the
    bot cites it, the seed file updates by it, and editors' changes bump `version`."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    category = models.CharField(_("category"), max_length=24, choices=FaqCategory.choices)
    question = models.CharField(_("question"), max_length=200)
    variants = models.JSONField(_("other wordings"), default=list, blank=True)
    answer = models.TextField(_("answer"))
    source = models.CharField(_("source policy"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.question}"


class UnansweredQuestion(models.Model):
    """A question the bot could not answer, counted per normalised wording for the editors."""

    key = models.CharField(max_length=200, unique=True)
    text = models.CharField(_("question"), max_length=500)
    count = models.PositiveIntegerField(_("times asked"), default=1)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=16, choices=UnansweredStatus.choices, default=UnansweredStatus.OPEN
    )
    entry = models.ForeignKey(
        FaqEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("unanswered question")
        ordering = ["-count", "-last_at"]
        indexes = [models.Index(fields=["status", "-count"])]

    def __str__(self) -> str:
        return f"{self.text} ×{self.count}"


class BotSession(models.Model):
    """The assistant's side of one conversation: who (`channel` + `sender`: the platform's
    user id, or `user:<pk>` for a portal login), the customer when known, and the dialogue
    state (intent, slots, what it is waiting for). `version` is compare-and-set."""

    channel = models.CharField(_("channel"), max_length=16)
    sender = models.CharField(max_length=128)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.ACTIVE
    )
    state = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    handoff_reason = models.CharField(
        _("handoff reason"), max_length=16, choices=HandoffReason.choices, blank=True
    )
    handoff_intent = models.CharField(max_length=32, blank=True)
    handoff_conversation_id = models.BigIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("bot conversation")
        ordering = ["-last_at"]
        indexes = [
            models.Index(fields=["channel", "sender", "status"]),
            models.Index(fields=["-last_at"]),
            # The monitoring rollup reads the conversations started in a range of days.
            models.Index(fields=["started_at"], name="assistant_session_started"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.sender} {self.status}"


class BotTurn(models.Model):
    """One line of a bot conversation: what the customer wrote (with what the NLU made of
    it) or what the assistant answered (with the FAQ entry or action behind it)."""

    session = models.ForeignKey(BotSession, on_delete=models.CASCADE, related_name="turns")
    speaker = models.CharField(max_length=16, choices=TurnSpeaker.choices)
    text = models.TextField()
    intent = models.CharField(max_length=32, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    entities = models.JSONField(default=dict, blank=True)
    faq_entry = models.ForeignKey(
        FaqEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["session", "at"]), models.Index(fields=["intent", "at"])]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:40]}"
