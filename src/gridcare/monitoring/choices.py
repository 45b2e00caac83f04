"""Choices of the monitoring app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    """What an alert rule watches (each kind's test is in services/alerts.py)."""

    SLA_BELOW_TARGET = "sla_below_target", _("SLA compliance under target")
    COMPLAINT_SPIKE = "complaint_spike", _("Complaint spike in one district")
    CSAT_DROP = "csat_drop", _("Satisfaction drop")
    REPAIR_SURGE = "repair_surge", _("Surge of repair calls on one feeder")


class Unit(models.TextChoices):
    """How a KPI's value reads."""

    COUNT = "count", _("count")
    PERCENT = "percent", _("%")
    MINUTES = "minutes", _("minutes")
    SECONDS = "seconds", _("seconds")
    PER_10K = "per_10k", _("per 10,000 customers")
    SCORE = "score", _("score")
    YUAN = "yuan", _("yuan")
