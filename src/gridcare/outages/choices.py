"""Choices of the outages app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutageKind(models.TextChoices):
    """停电性质: planned (预安排) or unplanned (故障)."""

    PLANNED = "planned", _("Planned")
    UNPLANNED = "unplanned", _("Unplanned")


class PlannedType(models.TextChoices):
    """Kinds of planned outage, each with its notice rule (domain-facts §1)."""

    MAINTENANCE = "maintenance", _("Planned maintenance")  # ≥ 7 days' notice
    TEMPORARY = "temporary", _("Temporary maintenance")  # ≥ 24 h to important customers
    LIMITED_SUPPLY = "limited_supply", _("Limited supply")  # 限电 (excluded from RS-3)


class OutageLevel(models.TextChoices):
    """How far up the topology the outage reaches."""

    FEEDER = "feeder", _("10 kV feeder")
    TRANSFORMER = "transformer", _("Transformer area")
    CUSTOMER = "customer", _("Single customer")  # a possible customer-side fault
    ACCOUNTS = "accounts", _("Listed accounts")  # a planned outage of named accounts


class OutageState(models.TextChoices):
    DRAFT = "draft", _("Draft")  # planned, not yet published
    PUBLISHED = "published", _("Published")  # planned, announced, not started
    ACTIVE = "active", _("In progress")
    RESTORED = "restored", _("Restored")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_OUTAGE_STATES = (OutageState.PUBLISHED, OutageState.ACTIVE)


class OutageCause(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    MAINTENANCE = "maintenance", _("Maintenance")
    EQUIPMENT = "equipment", _("Equipment failure")
    WEATHER = "weather", _("Weather")
    EXTERNAL = "external", _("External damage")
    OVERLOAD = "overload", _("Overload")
    CUSTOMER_SIDE = "customer_side", _("Customer-side fault")
    SUPPLY_SHORTAGE = "supply_shortage", _("Supply shortage (限电)")


class DeviceKind(models.TextChoices):
    METER = "meter", _("Meter")
    TERMINAL = "terminal", _("Terminal")  # the 台区's concentrator (集中器)


class PowerEventKind(models.TextChoices):
    POWER_OFF = "power_off", _("Power off")
    POWER_ON = "power_on", _("Power on")


class EventSource(models.TextChoices):
    MQTT = "mqtt", "MQTT"
    HTTP = "http", "HTTP"
    SIMULATOR = "simulator", _("Simulator")


class OutageEventKind(models.TextChoices):
    """The outage's own history (every state change is an event row, DESIGN.md)."""

    CREATED = "created", _("Created")
    DETECTED = "detected", _("Detected")
    SCOPE_CHANGED = "scope_changed", _("Scope changed")
    ETR_SET = "etr_set", _("Estimated restoration set")
    NOTICE_OVERRIDE = "notice_override", _("Notice rule overridden")
    PUBLISHED = "published", _("Published")
    STARTED = "started", _("Started")
    CUSTOMERS_NOTIFIED = "customers_notified", _("Customers notified")
    RESTORED = "restored", _("Restored")
    CANCELLED = "cancelled", _("Cancelled")
    CLEARED = "cleared", _("Cleared")  # a single-customer record whose meter came back
    ORDER_LINKED = "order_linked", _("Repair order linked")  # written by service
