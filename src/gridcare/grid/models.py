"""Grid topology: Substation → Feeder (10 kV) → Transformer (台区) → Meter.

S1 ─ F1 ─ T1 ─ {M1, M2}: a fixed hierarchy with explicit PROTECT foreign keys, so no asset
with something hanging below it can be deleted by accident.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.core.models import OrgUnit
from gridcare.grid.choices import AreaClass, MeterPhase, MeterStatus, VoltageLevel


class Substation(models.Model):
    """变电站."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    voltage_level = models.CharField(
        _("voltage level"), max_length=8, choices=VoltageLevel.choices, default=VoltageLevel.KV110
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="substations", verbose_name=_("org unit")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("substation")
        verbose_name_plural = _("substations")

    def __str__(self) -> str:
        return self.name


class Feeder(models.Model):
    """馈线 (10 kV 线路)."""

    substation = models.ForeignKey(
        Substation, on_delete=models.PROTECT, related_name="feeders", verbose_name=_("substation")
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    voltage_level = models.CharField(
        _("voltage level"), max_length=8, choices=VoltageLevel.choices, default=VoltageLevel.KV10
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("feeder")
        verbose_name_plural = _("feeders")
        constraints = [
            models.UniqueConstraint(
                fields=["substation", "code"], name="%(app_label)s_%(class)s_unique_substation_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Transformer(models.Model):
    """台区 (distribution transformer and the low-voltage area it supplies)."""

    feeder = models.ForeignKey(
        Feeder, on_delete=models.PROTECT, related_name="transformers", verbose_name=_("feeder")
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rated_kva = models.PositiveIntegerField(_("rated capacity (kVA)"))
    area_class = models.CharField(
        _("area class"), max_length=8, choices=AreaClass.choices, default=AreaClass.URBAN
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="transformers", verbose_name=_("org unit")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("transformer area")
        verbose_name_plural = _("transformer areas")

    def __str__(self) -> str:
        return self.name


class Meter(models.Model):
    """电能表 (smart meter), identified by its asset number."""

    asset_number = models.CharField(_("asset number"), max_length=32, unique=True)
    transformer = models.ForeignKey(
        Transformer, on_delete=models.PROTECT, related_name="meters", verbose_name=_("transformer")
    )
    # Caches transformer.feeder so "every meter downstream of a feeder" is one indexed filter
    # (outage scoping); maintained only by grid.services. PROTECT mirrors the real chain.
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="meters")
    # Caches transformer.feeder.substation, for the same reason.
    substation = models.ForeignKey(Substation, on_delete=models.PROTECT, related_name="meters")
    multiplier = models.PositiveIntegerField(_("multiplier"), default=1)
    phase = models.CharField(
        _("phase"), max_length=8, choices=MeterPhase.choices, default=MeterPhase.SINGLE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeterStatus.choices, default=MeterStatus.IN_SERVICE
    )
    is_transformer_total = models.BooleanField(
        _("transformer total meter"),
        default=False,
        help_text=_("The area's summary meter (台区总表), used for line-loss calculation."),
    )

    class Meta:
        ordering = ["asset_number"]
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        indexes = [models.Index(fields=["feeder", "status"], name="grid_meter_feeder_status_idx")]

    def __str__(self) -> str:
        return self.asset_number

    def clean(self) -> None:
        # The cached ancestors must be the transformer's own feeder and substation.
        if self.transformer_id and self.feeder_id:
            transformer = self.transformer
            if (
                self.feeder_id != transformer.feeder_id
                or self.substation_id != transformer.feeder.substation_id
            ):
                raise ValidationError(_("Meter's feeder/substation must match its transformer."))


class Terminal(models.Model):
    """采集终端 / 集中器: the concentrator of a 台区. Its power_off means the whole area lost
    supply (it sits at the transformer), which a meter's last gasp cannot prove alone."""

    code = models.CharField(_("terminal id"), max_length=32, unique=True)
    transformer = models.ForeignKey(
        Transformer,
        on_delete=models.PROTECT,
        related_name="terminals",
        verbose_name=_("transformer"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")

    def __str__(self) -> str:
        return self.code
