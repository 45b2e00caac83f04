"""Monitoring data: the daily facts the KPIs are computed from, the service-quality index's
versioned weights, and the alert rules with the windows they fired in.

The facts are a rollup: other apps' rows aggregated per local day, org unit, channel and
key by SQL (services/rollup.py), so a dashboard over a year reads a few thousand rows
instead of millions. Rebuilding a day gives the same rows again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.core.models import OrgUnit
from gridcare.monitoring.choices import AlertKind


class Fact(models.Model):
    """One day's measure of one KPI ingredient (docs/kpis.md names each `metric`).

    `n`, `d` and `total` read by the metric's kind: a count is Σn; a ratio Σn / Σd; a mean
    Σtotal / Σn. `channel` and `key` are the metric's breakdowns (an order's origin and its
    category code; an agent's user id), empty where the metric has none. The org unit is
    the most precise one known (a team, else a station, else the bureau); a query for a
    unit adds up its subtree.
    """

    day = models.DateField()
    metric = models.CharField(max_length=40)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=24, blank=True, default="")
    key = models.CharField(max_length=64, blank=True, default="")
    n = models.BigIntegerField(default=0)
    d = models.BigIntegerField(default=0)
    total = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "metric", "org_unit", "channel", "key"],
                name="monitoring_fact_unique",
            )
        ]
        indexes = [
            models.Index(fields=["metric", "day"], name="monitoring_fact_metric_day"),
            # A unit's subtree is a short list of ids: one range per unit, not the whole
            # metric's year filtered row by row (team scorecards, drill-down, per-unit index).
            models.Index(fields=["metric", "org_unit", "day"], name="monitoring_fact_unit_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.org_unit_id} {self.channel}/{self.key}"


class RollupDay(models.Model):
    """When a day's facts were last built (the dashboards say how fresh they are)."""

    day = models.DateField(unique=True)
    built_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} @ {self.built_at:%Y-%m-%d %H:%M}"


class IndexVersion(models.Model):
    """One version of the service-quality index's weights and targets. A manager's change
    is a new version; the old ones stay, so a past month is scored as it was then."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("index version")
        verbose_name_plural = _("index versions")

    def __str__(self) -> str:
        return f"v{self.number} ({self.effective_from})"


class IndexWeight(models.Model):
    """A KPI's part in the index: its weight (the weights of a version sum to 100), the
    value that scores 100 (`target`) and the value that scores 0 (`floor`); linear in
    between, clamped outside. A floor above the target means lower is better."""

    version = models.ForeignKey(IndexVersion, on_delete=models.CASCADE, related_name="weights")
    kpi = models.CharField(_("KPI"), max_length=40)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=4)
    floor = models.DecimalField(_("floor"), max_digits=12, decimal_places=4)

    class Meta:
        ordering = ["version", "kpi"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kpi"], name="monitoring_weight_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.kpi} {self.weight}"


class AlertRule(models.Model):
    """A condition watched over a rolling window, told to the responsible managers once per
    window and subject (an org unit, a feeder)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=AlertKind.choices)
    #: The kind's limit: a compliance or satisfaction rate (%), a count of calls, a factor
    #: over the baseline for a spike (services/alerts.py says which for each kind).
    threshold = models.DecimalField(_("threshold"), max_digits=10, decimal_places=2)
    window_hours = models.PositiveIntegerField(_("window (hours)"), default=24)
    #: Days before the window that make the baseline a spike or a drop is measured against.
    baseline_days = models.PositiveSmallIntegerField(_("baseline (days)"), default=28)
    #: Fewer events than this in the window never fire (one complaint is not a spike).
    min_count = models.PositiveIntegerField(_("minimum count"), default=5)
    #: Only this unit's subtree; every unit when empty.
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.code


class AlertFiring(models.Model):
    """A rule that fired for one subject in one window; unique, so it fires once."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="firings")
    subject = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=120, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    value = models.FloatField()
    baseline = models.FloatField(null=True, blank=True)
    threshold = models.FloatField()
    link = models.CharField(max_length=300, blank=True)
    notified = models.PositiveIntegerField(default=0)
    fired_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject", "window_start"], name="monitoring_firing_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.subject} {self.window_start:%Y-%m-%d %H:%M}"


class MonitoringAccess(models.Model):
    """Holds the app's permissions that belong to no table (Django needs a model)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_wall", "Can view the duty wall"),
            ("view_dashboards", "Can view monitoring dashboards and scorecards"),
            ("export_report", "Can export monitoring reports"),
        ]

    def __str__(self) -> str:
        return "monitoring access"
