from django.db import models
from django.utils.translation import gettext_lazy as _


class VoltageLevel(models.TextChoices):
    V220 = "0.22kV", _("220 V")
    V380 = "0.4kV", _("380 V")
    KV10 = "10kV", _("10 kV")
    KV20 = "20kV", _("20 kV")
    KV35 = "35kV", _("35 kV")
    KV110 = "110kV", _("110 kV")


class AreaClass(models.TextChoices):
    """Supply-area class; repair-arrival commitments differ by it (domain-facts §1)."""

    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")
    REMOTE = "remote", _("Remote")


class MeterPhase(models.TextChoices):
    SINGLE = "single", _("Single phase")
    THREE = "three", _("Three phase")


class MeterStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    FAULTY = "faulty", _("Faulty")
    REMOVED = "removed", _("Removed")


COLORS = {
    MeterStatus.IN_SERVICE: "success",
    MeterStatus.FAULTY: "warning",
    MeterStatus.REMOVED: "secondary",
}
