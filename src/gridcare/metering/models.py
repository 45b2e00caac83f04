"""Metering: the transactional side of meter data (the readings themselves live in Parquet).

The warehouse (`<data dir>/warehouse`) holds readings and aggregates; these tables hold what
the rest of the product queries often or must audit: import batches with their reports,
the business parameters (TOU calendars, loading thresholds) as data, and per-transformer
daily statistics and loading events synced from the aggregates for fast console lists.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.core.models import User
from gridcare.grid.models import Transformer
from gridcare.metering.choices import ImportSource, ImportStatus, LoadEventKind


class ImportBatch(models.Model):
    """导入批次: one run of the ingestion pipeline, with its counts and reject report."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(_("source"), max_length=8, choices=ImportSource.choices)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    files = models.JSONField(_("files"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class TouPreset(models.Model):
    """分时电价时段: a time-of-use calendar as data (periods in Beijing time), per tariff class."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    tariff_classes = models.JSONField(_("tariff classes"), default=list, blank=True)
    periods = models.JSONField(
        _("calendar"),
        help_text=_("A time-of-use calendar as data (see metering/engine/tou.py), Beijing time."),
    )
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("time-of-use preset")
        verbose_name_plural = _("time-of-use presets")

    def __str__(self) -> str:
        return self.name


class LoadingPolicy(models.Model):
    """配变负载参数: the power factor in load rate = peak kW / (rated kVA × power factor).

    The newest row applies. Heavy-load (≥ 80 % for 2 h) and overload (≥ 100 % for 1 h)
    thresholds are the engine's defaults (domain-facts §7).
    """

    power_factor = models.DecimalField(
        _("power factor"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.90"),
        validators=[MinValueValidator(Decimal("0.50")), MaxValueValidator(Decimal("1.00"))],
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("loading policy")
        verbose_name_plural = _("loading policies")

    def __str__(self) -> str:
        return f"pf={self.power_factor}"


class TransformerDay(models.Model):
    """台区日统计: one transformer's day, synced from the aggregates after each refresh."""

    transformer = models.ForeignKey(Transformer, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    peak_kw = models.FloatField(_("peak load (kW)"))
    load_rate = models.FloatField(_("load rate"))
    energy_kwh = models.FloatField(_("energy (kWh)"), default=0.0)
    completeness = models.FloatField(_("data completeness"), default=0.0)
    line_loss_rate = models.FloatField(_("line-loss rate"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "-load_rate"]
        verbose_name = _("transformer day")
        verbose_name_plural = _("transformer days")
        constraints = [
            models.UniqueConstraint(
                fields=["transformer", "day"], name="metering_transformerday_unique_day"
            )
        ]
        indexes = [models.Index(fields=["day", "-load_rate"], name="metering_tday_rank_idx")]

    def __str__(self) -> str:
        return f"{self.transformer_id} {self.day} {self.load_rate:.0%}"


class LoadEvent(models.Model):
    """重过载事件: a run of intervals at or above a loading threshold."""

    transformer = models.ForeignKey(Transformer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=LoadEventKind.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    intervals = models.PositiveIntegerField(_("15-min intervals"))
    max_load_rate = models.FloatField(_("max load rate"))

    class Meta:
        ordering = ["-start"]
        verbose_name = _("loading event")
        verbose_name_plural = _("loading events")
        constraints = [
            models.UniqueConstraint(
                fields=["transformer", "kind", "start"], name="metering_loadevent_unique_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.transformer_id} {self.kind} {self.start:%Y-%m-%d %H:%M}"
