"""Billing: tariffs as versioned data, monthly bills with their lines, the account ledger,
payments with their provider callbacks, and account events for the service app.

History is never overwritten. An issued bill is not edited: a correction cancels it and
issues a linked rebill. Every movement of money is a `LedgerEntry` (signed: positive in the
customer's favour), every change of a bill or payment an event row. Money is Decimal to
the fen (`engine.money`), energy Decimal kWh.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.billing.choices import (
    BasicChargeMethod,
    BillEventKind,
    BillingEventKind,
    BillKind,
    BillStatus,
    CallbackResolution,
    CallbackVerdict,
    HoldReason,
    LedgerKind,
    PaymentEventKind,
    PaymentMode,
    PaymentStatus,
    Provider,
    RefundStatus,
    RunStatus,
    SupplyState,
)
from gridcare.core.models import User
from gridcare.customers.choices import TariffClass
from gridcare.customers.models import Account


class Tariff(models.Model):
    """A tariff by its stable code (GZ-RES-TIER …); its prices live in versions."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    tariff_class = models.CharField(_("tariff class"), max_length=24, choices=TariffClass.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")

    def __str__(self) -> str:
        return self.code


class TariffVersion(models.Model):
    """The tariff's prices from `effective_from` to `effective_to` (inclusive; open-ended
    when empty). `spec` is the engine's tariff document (docs/data-formats.md "Tariff"),
    checked by `engine.tariff.parse_spec` on every save through the services/admin."""

    tariff = models.ForeignKey(
        Tariff, on_delete=models.PROTECT, related_name="versions", verbose_name=_("tariff")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    spec = models.JSONField(_("prices and rules"))
    basis = models.CharField(_("policy basis"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["tariff", "effective_from"]
        verbose_name = _("tariff version")
        verbose_name_plural = _("tariff versions")
        constraints = [
            models.UniqueConstraint(
                fields=["tariff", "effective_from"], name="billing_version_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="billing_version_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tariff.code} {self.effective_from}"


class BillingProfile(models.Model):
    """How one account is billed: its tariff, pre- or post-paid, the two-part options, and
    where its supply stands in the arrears cycle."""

    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="billing_profile"
    )
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="profiles")
    payment_mode = models.CharField(
        _("payment mode"), max_length=10, choices=PaymentMode.choices, default=PaymentMode.POSTPAID
    )
    many_members = models.BooleanField(_("household with many members"), default=False)
    basic_method = models.CharField(
        _("basic charge method"),
        max_length=16,
        choices=BasicChargeMethod.choices,
        default=BasicChargeMethod.NONE,
        blank=True,
    )
    contracted_demand_kw = models.DecimalField(
        _("contracted maximum demand (kW)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    supply_state = models.CharField(
        _("supply"), max_length=24, choices=SupplyState.choices, default=SupplyState.CONNECTED
    )
    #: The ledger's running balance (sum of its entries), kept with each entry under a
    #: row lock on this profile; `ledger_check` proves it equals the sum.
    balance = models.DecimalField(_("balance"), default=0, max_digits=14, decimal_places=2)
    ledger_version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")

    def __str__(self) -> str:
        return f"{self.account_id} {self.tariff_id}"


class TariffAssignment(models.Model):
    """Which tariff an account is billed on from `since` (its history: a re-tariff in the
    middle of a month splits that month's bill at `since`)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="tariff_history")
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("since"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["account", "since"]
        constraints = [
            models.UniqueConstraint(fields=["account", "since"], name="billing_assignment_once")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.tariff_id} {self.since}"


class BillingRun(models.Model):
    period = models.DateField(_("period"))  # first day of the month
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accounts_billed = models.PositiveIntegerField(default=0)
    accounts_unchanged = models.PositiveIntegerField(default=0)
    accounts_held = models.PositiveIntegerField(default=0)
    total = models.DecimalField(_("total billed"), default=0, max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.status}"


class Bill(models.Model):
    number = models.CharField(_("bill number"), max_length=24, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bills")
    period = models.DateField(_("period"))  # first day of the billed month
    period_start = models.DateField(_("billed from"))
    period_end = models.DateField(_("billed to"))  # inclusive
    kind = models.CharField(
        _("kind"), max_length=10, choices=BillKind.choices, default=BillKind.REGULAR
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BillStatus.choices, default=BillStatus.ISSUED
    )
    run = models.ForeignKey(
        BillingRun, on_delete=models.PROTECT, null=True, blank=True, related_name="bills"
    )
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    tariff_code = models.CharField(_("tariff"), max_length=32)
    payment_mode = models.CharField(max_length=10, choices=PaymentMode.choices)
    energy_kwh = models.DecimalField(_("energy (kWh)"), max_digits=14, decimal_places=3)
    total = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid = models.DecimalField(_("paid"), default=0, max_digits=14, decimal_places=2)
    has_estimates = models.BooleanField(_("includes estimated readings"), default=False)
    determinants = models.JSONField(_("billing determinants"), default=dict)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    due_date = models.DateField(_("due date"))
    version = models.PositiveIntegerField(default=0)
    # The late fee settled so far (services/arrears.py, engine/late_fee.py): `late_fee_paid_seen`
    # is the part of `paid` whose fee has been accounted, `late_fee_accrued` that fee, exact,
    # `late_fee_posted` what of it the ledger holds (LATE_FEE rows, to the fen).
    late_fee_paid_seen = models.DecimalField(default=0, max_digits=14, decimal_places=2)
    late_fee_accrued = models.DecimalField(default=0, max_digits=18, decimal_places=6)
    late_fee_posted = models.DecimalField(default=0, max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-period", "-issued_at"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [
            # One live bill per account and month: a rerun finds it, a correction cancels
            # it first.
            models.UniqueConstraint(
                fields=["account", "period"],
                condition=~Q(status=BillStatus.CANCELLED),
                name="billing_one_live_bill_per_period",
            )
        ]
        indexes = [
            models.Index(fields=["period", "status"]),
            models.Index(fields=["account", "-period"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.number


class BillLine(models.Model):
    """One line of a bill: quantity × unit price = amount (rounded to the fen)."""

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    item = models.CharField(_("item"), max_length=40)  # engine line code, e.g. energy.tier2
    label = models.CharField(_("label"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=12)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=8)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    #: The engine's line detail, e.g. a tier's range {"from": "200", "to": "400"} (pro-rated
    #: thresholds of a part month), for the bill's plain-language explanation.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["bill", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "position"], name="billing_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"


class BillEvent(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=BillEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["bill", "at", "id"]

    def __str__(self) -> str:
        return f"{self.bill_id} {self.kind}"


class BillingHold(models.Model):
    """An account a run could not bill, with why (listed for review)."""

    run = models.ForeignKey(BillingRun, on_delete=models.CASCADE, related_name="holds")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=HoldReason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["run", "account"]
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="billing_hold_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.reason}"


class Payment(models.Model):
    """A payment order (out_trade_no) at a provider, or a counter / bank-transfer receipt."""

    out_trade_no = models.CharField(_("payment number"), max_length=32, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    refunded = models.DecimalField(_("refunded"), default=0, max_digits=14, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    provider_txn_id = models.CharField(
        _("provider transaction"), max_length=64, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: What the payer's device needs: the QR code_url or the phone redirect URL.
    checkout = models.JSONField(default=dict, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)  # bank / receipt
    version = models.PositiveIntegerField(default=0)
    #: When the settling sweep last asked the provider (claimed by compare-and-set, so two
    #: workers never query the same order in the same round).
    last_queried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            # Applied once per provider transaction, whatever arrives twice.
            models.UniqueConstraint(
                fields=["provider", "provider_txn_id"],
                condition=Q(provider_txn_id__isnull=False),
                name="billing_payment_txn_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["account", "-created_at"]),
            # The monitoring rollup reads the payments made in a range of days.
            models.Index(
                fields=["paid_at"],
                condition=Q(paid_at__isnull=False),
                name="billing_payment_paid_at",
            ),
        ]

    def __str__(self) -> str:
        return self.out_trade_no


class PaymentEvent(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=PaymentEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["payment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.kind}"


class Refund(models.Model):
    out_refund_no = models.CharField(max_length=64, unique=True)  # a console refund's can be 64
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    provider_refund_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_queried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_refund_positive")
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.out_refund_no


class CallbackRecord(models.Model):
    """Every provider callback received, with what was done about it (audit and the
    reconciliation list). The body is kept only as its SHA-256."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    received_at = models.DateTimeField(default=timezone.now)
    verdict = models.CharField(max_length=16, choices=CallbackVerdict.choices)
    out_trade_no = models.CharField(max_length=64, blank=True)
    provider_txn_id = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(null=True, blank=True, max_digits=14, decimal_places=2)
    detail = models.CharField(max_length=300, blank=True)
    body_sha256 = models.CharField(max_length=64)
    resolved_at = models.DateTimeField(null=True, blank=True)
    #: The provider's event (TRANSACTION.SUCCESS, REFUND.SUCCESS, trade_status_sync …).
    event = models.CharField(max_length=40, blank=True)
    out_refund_no = models.CharField(max_length=64, blank=True)
    #: A listed callback the provider keeps retrying is one record, counted here.
    deliveries = models.PositiveIntegerField(default=1)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="callbacks"
    )
    resolution = models.CharField(
        max_length=12, choices=CallbackResolution.choices, blank=True, default=""
    )
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["verdict", "-received_at"]),
            models.Index(fields=["provider", "provider_txn_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.verdict}"


class LedgerEntry(models.Model):
    """One movement on an account (signed: + in the customer's favour). `key` makes every
    posting idempotent (bill:<number>, pay:<out_trade_no>, deduct:<account>:<day> …)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="ledger")
    seq = models.PositiveBigIntegerField()  # the profile's ledger_version after this entry
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=LedgerKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    key = models.CharField(max_length=80, unique=True)
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    memo = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["account", "seq"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["account", "seq"], name="billing_ledger_seq")
        ]

    def __str__(self) -> str:
        return self.key


class BillingEvent(models.Model):
    """An account event (reminders, notices, supply changes). The *_requested kinds are the
    outbox the service app reads to open disconnection / reconnection work orders; it sets
    `handled_at` and `order_number` when it has."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="billing_events")
    kind = models.CharField(max_length=24, choices=BillingEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    key = models.CharField(max_length=80, unique=True)
    detail = models.JSONField(default=dict, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    order_number = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["account", "at", "id"]
        indexes = [models.Index(fields=["kind", "handled_at"])]

    def __str__(self) -> str:
        return self.key
