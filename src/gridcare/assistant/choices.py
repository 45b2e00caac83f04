from django.db import models
from django.utils.translation import gettext_lazy as _


class FaqCategory(models.TextChoices):
    """What a knowledge-base entry is about (the editors' filter and the answer's label)."""

    TARIFF = "tariff", _("Tariffs and prices")
    PAYMENT = "payment", _("Bills and payment")
    APPLICATION = "application", _("Applications (new connection, capacity, transfer)")
    OUTAGE = "outage", _("Outages and repairs")
    SAFETY = "safety", _("Electrical safety")
    PV = "pv", _("Solar (PV) connection")
    EV = "ev", _("EV charging")
    METER = "meter", _("Meters")
    INVOICE = "invoice", _("Invoices")
    ACCOUNT = "account", _("Accounts and binding")
    ENERGY_SAVING = "energy_saving", _("Saving energy")
    SERVICE = "service", _("Service commitments and channels")


class UnansweredStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an editor")
    ANSWERED = "answered", _("Answered by an entry")
    DISMISSED = "dismissed", _("Dismissed")


class SessionStatus(models.TextChoices):
    """A bot conversation: the bot is talking, it handed over to a person, or it ended."""

    ACTIVE = "active", _("With the assistant")
    HANDED_OFF = "handed_off", _("Handed to an agent")
    ENDED = "ended", _("Ended")


class HandoffReason(models.TextChoices):
    ASKED = "asked", _("Customer asked for an agent")
    LOW_CONFIDENCE = "low_confidence", _("Not understood twice")
    ANGER = "anger", _("Customer upset")
    CAPABILITY = "capability", _("Action not available")
    ACTION_FAILED = "action_failed", _("Action failed")


class TurnSpeaker(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    ASSISTANT = "assistant", _("Assistant")
