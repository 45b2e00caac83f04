"""Work orders (工单): one row per customer need, its event log, SLA clocks and links.

History is never overwritten: every change of state is a `WorkOrderEvent`; the order row
holds only the current state, which `version` guards against two agents acting at once.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.core.models import OrgUnit, User
from gridcare.customers.models import Account, Customer
from gridcare.grid.models import Feeder, Transformer
from gridcare.service.choices import (
    ApplicationKind,
    AreaClass,
    ClockKind,
    ClockUnit,
    DocumentKind,
    EventKind,
    OrderState,
    OrderType,
    Origin,
    Priority,
    StepState,
    VisitOutcome,
)

#: Free-text limits (stated in the API schema, checked at the edge).
TITLE_MAX = 200
DESCRIPTION_MAX = 2000


class Category(models.Model):
    """业务分类: the 95598 classification below the order type, as data (admins extend it).

    Level 1 is a complaint category (supply_quality …) or a type's own grouping; level 2 its
    sub-categories. `code` is stable; names are shown in the user's language.
    """

    code = models.CharField(_("code"), max_length=64, unique=True)
    order_type = models.CharField(_("order type"), max_length=24, choices=OrderType.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order_type", "position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name_zh


class ServiceArea(models.Model):
    """A team's (班组) service area: the transformers (台区) it answers for."""

    team = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="service_areas")
    transformer = models.ForeignKey(
        Transformer, on_delete=models.CASCADE, related_name="service_areas"
    )

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        constraints = [
            models.UniqueConstraint(fields=["team", "transformer"], name="service_area_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.transformer}"


class WorkOrder(models.Model):
    number = models.CharField(_("order number"), max_length=20, unique=True)
    order_type = models.CharField(
        _("type"), max_length=24, choices=OrderType.choices, db_index=True
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(_("channel"), max_length=24, choices=Origin.choices)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=OrderState.choices,
        default=OrderState.ACCEPTED,
        db_index=True,
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders"
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders"
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_mobile = models.CharField(_("contact mobile"), max_length=11, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    transformer = models.ForeignKey(
        Transformer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    feeder = models.ForeignKey(
        Feeder, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area_class = models.CharField(
        _("area class"), max_length=8, choices=AreaClass.choices, default=AreaClass.URBAN
    )

    #: The station (供电所) answerable for the order; agents see their unit's orders.
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("unit")
    )
    team = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team_work_orders",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    risk_score = models.PositiveSmallIntegerField(_("escalation risk"), default=0)
    risk_reasons = models.JSONField(default=list, blank=True)
    #: When the order started waiting for the customer (SLA clocks are paused meanwhile).
    waiting_since = models.DateTimeField(null=True, blank=True)
    #: (origin, source_ref) makes intake idempotent: a call or chat turned into an order twice
    #: gives the first order back.
    source_ref = models.CharField(max_length=128, blank=True)
    data = models.JSONField(default=dict, blank=True)

    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        permissions = [
            ("dispatch_workorder", "Can dispatch and reassign work orders"),
            ("work_workorder", "Can take, arrive at and resolve work orders"),
            ("supervise_workorder", "Can merge, reopen, cancel and archive work orders"),
        ]
        indexes = [
            models.Index(fields=["org_unit", "state", "-created_at"], name="order_unit_state"),
            models.Index(fields=["team", "state"], name="order_team_state"),
            models.Index(fields=["account", "-created_at"], name="order_account"),
            models.Index(fields=["transformer", "-created_at"], name="order_transformer"),
            # The monitoring rollup reads the orders resolved in a range of days.
            models.Index(
                fields=["resolved_at"],
                condition=models.Q(resolved_at__isnull=False),
                name="order_resolved_at",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="order_source_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class WorkOrderEvent(models.Model):
    """One step of an order's history: who did what, when, from which state to which."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    #: Shown to the customer on their progress timeline (internal notes are not).
    public = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="order_event_at")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("work-order events are append-only")
        super().save(*args, **kwargs)


class MergeSuggestion(models.Model):
    """A possible duplicate: `order` may be the same need as the older `candidate`."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="suggestions")
    candidate = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "candidate"], name="merge_suggestion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ~ {self.candidate_id}"


class SlaPolicy(models.Model):
    """A set of service commitments (SGCC 2023, CSG …) with its effective dates; one is in use."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=300, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    in_use = models.BooleanField(_("in use"), default=False)
    #: A warning goes out when this share of the limit has elapsed.
    warn_ratio = models.DecimalField(max_digits=3, decimal_places=2, default=0.80)
    #: Escalations of working-day clocks reach people inside working hours only.
    office_opens = models.TimeField(_("office opens"), default="08:30")
    office_closes = models.TimeField(_("office closes"), default="17:30")

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["in_use"], condition=models.Q(in_use=True), name="sla_one_policy_in_use"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SlaRule(models.Model):
    """One commitment: which orders it covers, how long, in which unit (domain-facts §1)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="rules")
    clock = models.CharField(_("clock"), max_length=24, choices=ClockKind.choices)
    order_type = models.CharField(
        _("order type"), max_length=24, choices=OrderType.choices, blank=True
    )
    area_class = models.CharField(
        _("area class"), max_length=8, choices=AreaClass.choices, blank=True
    )
    application_kind = models.CharField(
        _("application"), max_length=24, choices=ApplicationKind.choices, blank=True
    )
    step = models.CharField(_("application step"), max_length=32, blank=True)
    #: A category code (taxonomy) the rule is limited to ("" = any): the reconnection
    #: commitment applies to `request.reconnection` orders, not to every service request.
    category = models.CharField(_("category"), max_length=64, blank=True)
    unit = models.CharField(_("unit"), max_length=16, choices=ClockUnit.choices)
    limit = models.PositiveIntegerField(_("limit"))

    class Meta:
        ordering = ["policy", "clock", "order_type", "area_class"]
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")

    def __str__(self) -> str:
        return f"{self.clock} {self.limit} {self.unit}"


class SlaClock(models.Model):
    """A running commitment of one order: started, paused, stopped, warned, overdue."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="clocks")
    rule = models.ForeignKey(SlaRule, on_delete=models.PROTECT, related_name="+")
    clock = models.CharField(max_length=24, choices=ClockKind.choices)
    #: An application step's code, for step clocks ("" otherwise).
    step = models.CharField(max_length=32, blank=True)
    unit = models.CharField(max_length=16, choices=ClockUnit.choices)
    limit = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(db_index=True)
    #: When the 80 % warning is due to go out (inside office hours for working-day clocks).
    warn_at = models.DateTimeField()
    #: When the overdue escalation is due to go out: the deadline for natural-time clocks,
    #: the next office opening after it for working-day clocks (services.sla).
    escalate_at = models.DateTimeField(null=True, blank=True)
    #: The clock's full time in its own measure (natural or working time): what "80 %" is of.
    budget = models.DurationField(null=True, blank=True)
    #: The deadline rests on a year with no entered calendar (recomputed when it is entered).
    provisional = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    #: The event that stopped it ("arrive", "resolve", "contact" … or cancel/merge/archive).
    stopped_by = models.CharField(max_length=16, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline_at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "clock", "step"], name="sla_clock_unique")
        ]
        # The sweep's two queries and the calendar recompute read only these partial indexes.
        indexes = [
            models.Index(
                fields=["warn_at"],
                condition=models.Q(
                    warned_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True
                ),
                name="sla_clock_warn_due",
            ),
            models.Index(
                fields=["escalate_at"],
                condition=models.Q(
                    escalated_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True
                ),
                name="sla_clock_escalate_due",
            ),
            models.Index(
                fields=["deadline_at"],
                condition=models.Q(provisional=True, stopped_at__isnull=True),
                name="sla_clock_provisional",
            ),
            # The duty wall's SLA risk: the running clocks, nearest deadline first (a few
            # hundred among millions of stopped ones).
            models.Index(
                fields=["deadline_at"],
                condition=models.Q(stopped_at__isnull=True, paused_at__isnull=True),
                name="sla_clock_running",
            ),
            # The monitoring rollup reads the clocks stopped in a range of days.
            models.Index(
                fields=["stopped_at"],
                condition=models.Q(stopped_at__isnull=False),
                name="sla_clock_stopped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.clock}"


class ClockPause(models.Model):
    """One stretch of waiting for the customer; the clock's deadline moves by what it took."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    #: What the pause gave back, in the clock's measure (working time for working-day clocks).
    credit = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock"],
                condition=models.Q(ended_at__isnull=True),
                name="sla_one_open_pause",
            )
        ]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.started_at:%Y-%m-%d %H:%M}"


class Application(models.Model):
    """业扩 and other business applications: a service-request order with a workflow."""

    order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="application")
    kind = models.CharField(_("application"), max_length=24, choices=ApplicationKind.choices)
    capacity_kva = models.DecimalField(
        _("capacity (kVA)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    data = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.order} {self.kind}"


class ApplicationStep(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=32)
    state = models.CharField(max_length=8, choices=StepState.choices, default=StepState.PENDING)
    limit_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    provisional = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="application_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.code}"


class Attachment(models.Model):
    """A document or photo; the file lives under GRIDCARE_UPLOAD_ROOT, outside the web root."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    #: Path relative to the upload root (never served directly; a view checks access).
    path = models.CharField(max_length=255)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReturnVisit(models.Model):
    """回访: the customer's 1–5 rating of a resolved order, by portal link or SMS reply."""

    #: An order reopened after a low rating gets a new visit when it is resolved again;
    #: at most one visit of an order is open (`pending`) at a time.
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="visits")
    channel = models.CharField(max_length=16)
    #: SHA-256 of the portal link's token (the token itself is only in the message).
    token_digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=12, choices=VisitOutcome.choices, default=VisitOutcome.PENDING
    )
    #: Archived but marked for the quality team (a middling rating; see visit policy).
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["sent_at", "id"]
        # The monitoring rollup reads the visits rated in a range of days.
        indexes = [
            models.Index(
                fields=["responded_at"],
                condition=models.Q(responded_at__isnull=False),
                name="visit_responded_at",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(outcome="pending"),
                name="visit_one_open_per_order",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="visit_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.rating}"
