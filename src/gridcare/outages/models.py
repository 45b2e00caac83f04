"""Outages: planned and unplanned interruptions, the power events they are detected from,
the customers they reach, and their history.

Outage ─┬─ OutageScope     (planned: the feeders, 台区 or accounts an editor chose)
        ├─ OutageCustomer  (one row per affected account: its own off/on times — the
        │                   per-customer interruption the reliability indices sum)
        └─ OutageEvent     (every state change, with actor and data)
PowerEvent     power_off / power_on from a meter or a terminal, stored once
               (device + kind + device time); `outage` once correlated.
DeadLetter     an event payload that could not be stored, with the reason.
MeterPowerState the last known supply state per meter (the correlator's working set).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.core.models import OrgUnit
from gridcare.customers.models import Account
from gridcare.grid.models import Feeder, Meter, Substation, Transformer
from gridcare.outages.choices import (
    DeviceKind,
    EventSource,
    OutageCause,
    OutageEventKind,
    OutageKind,
    OutageLevel,
    OutageState,
    PlannedType,
    PowerEventKind,
)


class Outage(models.Model):
    number = models.CharField(_("outage number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=OutageKind.choices)
    planned_type = models.CharField(
        _("planned type"), max_length=16, choices=PlannedType.choices, blank=True
    )
    level = models.CharField(_("level"), max_length=12, choices=OutageLevel.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=OutageState.choices, default=OutageState.DRAFT
    )
    # The root of an unplanned outage's scope (feeder for a feeder trip, transformer for a
    # 台区, both for a single customer); planned outages list theirs in OutageScope.
    substation = models.ForeignKey(
        Substation, on_delete=models.PROTECT, null=True, blank=True, related_name="outages"
    )
    feeder = models.ForeignKey(
        Feeder, on_delete=models.PROTECT, null=True, blank=True, related_name="outages"
    )
    transformer = models.ForeignKey(
        Transformer, on_delete=models.PROTECT, null=True, blank=True, related_name="outages"
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="outages", verbose_name=_("org unit")
    )
    cause = models.CharField(
        _("cause"), max_length=16, choices=OutageCause.choices, blank=True, default=""
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Planned: the announced window. Unplanned: starts_at is the first power_off (device
    # time), ends_at stays empty.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("planned end"), null=True, blank=True)
    detected_at = models.DateTimeField(_("detected at"), null=True, blank=True)
    etr_at = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    # How the estimate was made: {"method": "similar", "n": 12, "median_minutes": 95, …}
    etr_basis = models.JSONField(default=dict, blank=True)
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    affected_count = models.PositiveIntegerField(_("affected customers"), default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    # The notice rule was waived by this person for this reason (audited too).
    notice_override = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The one repair work order of an unplanned outage, set by the service app.
    repair_order_number = models.CharField(max_length=24, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        permissions = [("override_notice", "Can publish a planned outage inside its notice period")]
        indexes = [
            models.Index(fields=["state", "starts_at"], name="outages_state_start_idx"),
            models.Index(fields=["feeder", "starts_at"], name="outages_feeder_start_idx"),
            models.Index(fields=["transformer", "state"], name="outages_transformer_state_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class OutageScope(models.Model):
    """One item of a planned outage's scope: a feeder, a 台区 or an account."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="scope_items")
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, null=True, blank=True)
    transformer = models.ForeignKey(Transformer, on_delete=models.PROTECT, null=True, blank=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(feeder__isnull=False, transformer__isnull=True, account__isnull=True)
                    | models.Q(feeder__isnull=True, transformer__isnull=False, account__isnull=True)
                    | models.Q(feeder__isnull=True, transformer__isnull=True, account__isnull=False)
                ),
                name="outages_scope_exactly_one",
            )
        ]

    def __str__(self) -> str:
        return f"{self.outage_id}: {self.feeder_id or self.transformer_id or self.account_id}"


class OutageCustomer(models.Model):
    """An account inside an outage, with its own interruption: off_at → on_at."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="customers")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="outage_links")
    transformer = models.ForeignKey(Transformer, on_delete=models.PROTECT, related_name="+")
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="+")
    off_at = models.DateTimeField()
    on_at = models.DateTimeField(null=True, blank=True)
    # Left the scope while the outage went on (a 台区 that was not off after all).
    removed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    restored_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["outage", "account"], name="outages_customer_once")
        ]
        indexes = [
            models.Index(fields=["account", "off_at"], name="outages_customer_account_idx"),
            models.Index(fields=["feeder", "off_at"], name="outages_customer_feeder_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.outage_id}/{self.account_id}"


class OutageEvent(models.Model):
    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=OutageEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["outage", "at", "id"]

    def __str__(self) -> str:
        return f"{self.outage_id} {self.kind}"


class PowerEvent(models.Model):
    """停上电事件 from a meter ("last gasp") or a terminal, stored once."""

    device_kind = models.CharField(max_length=8, choices=DeviceKind.choices)
    device_id = models.CharField(max_length=32)
    kind = models.CharField(max_length=12, choices=PowerEventKind.choices)
    device_time = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    # Resolved at ingest from the topology (null when the device is unknown: dead-lettered).
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, null=True, blank=True)
    transformer = models.ForeignKey(Transformer, on_delete=models.PROTECT, related_name="+")
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="+")
    # Set by the correlator: the outage that explains this event (none: a lone fault …).
    outage = models.ForeignKey(
        Outage, on_delete=models.SET_NULL, null=True, blank=True, related_name="power_events"
    )
    correlated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device_id", "kind", "device_time"], name="outages_power_event_once"
            )
        ]
        indexes = [
            models.Index(fields=["correlated_at", "id"], name="outages_event_pending_idx"),
            models.Index(fields=["transformer", "device_time"], name="outages_event_tr_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.kind} {self.device_time:%Y-%m-%d %H:%M:%S}"


class MeterPowerState(models.Model):
    """The latest supply state of a meter as the events tell it (device time ordered, so a
    late power_off older than the power_on already seen changes nothing)."""

    meter = models.OneToOneField(Meter, on_delete=models.CASCADE, primary_key=True)
    transformer = models.ForeignKey(Transformer, on_delete=models.CASCADE, related_name="+")
    feeder = models.ForeignKey(Feeder, on_delete=models.CASCADE, related_name="+")
    is_off = models.BooleanField(default=False)
    changed_at = models.DateTimeField()  # device time of the event that set is_off

    class Meta:
        indexes = [models.Index(fields=["transformer", "is_off"], name="outages_state_tr_idx")]

    def __str__(self) -> str:
        return f"{self.meter_id} {'off' if self.is_off else 'on'}"


class DeadLetter(models.Model):
    """A payload that could not become a PowerEvent, kept with why (never stops ingest)."""

    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    topic = models.CharField(max_length=200, blank=True)
    payload = models.TextField()  # truncated to OUTAGES_DEAD_LETTER_MAX_BYTES
    reason = models.CharField(max_length=40)  # a code: malformed_json, unknown_device, …
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} {self.received_at:%Y-%m-%d %H:%M:%S}"
