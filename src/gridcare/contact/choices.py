from django.db import models
from django.utils.translation import gettext_lazy as _


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an agent")
    CLAIMED = "claimed", _("With an agent")
    CLOSED = "closed", _("Ended")


class ConversationEventKind(models.TextChoices):
    """What happened to a conversation (one `ConversationEvent` each)."""

    OPENED = "opened", _("Opened")
    HANDOFF = "handoff", _("Handed over by the assistant")
    CLAIMED = "claimed", _("Claimed")
    TRANSFERRED = "transferred", _("Transferred")
    CLOSED = "closed", _("Ended")


class Speaker(models.TextChoices):
    """Who wrote a line of a conversation."""

    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    ASSISTANT = "assistant", _("Assistant")
