"""Billing's fixed vocabularies. Tariffs themselves are data (`Tariff`, `TariffVersion`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMode(models.TextChoices):
    POSTPAID = "postpaid", _("Post-paid")
    PREPAID = "prepaid", _("Prepaid (费控)")


class BasicChargeMethod(models.TextChoices):
    """How a two-part customer's 基本电费 is computed (domain-facts §4.3)."""

    NONE = "", _("No basic charge")
    CAPACITY = "capacity", _("By transformer capacity")
    DEMAND = "demand", _("By actual maximum demand")
    CONTRACT_DEMAND = "contract_demand", _("By contracted maximum demand")


class SupplyState(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    DISCONNECTION_REQUESTED = "disconnection_requested", _("Disconnection ordered")
    DISCONNECTED = "disconnected", _("Disconnected for arrears")
    RECONNECTION_REQUESTED = "reconnection_requested", _("Reconnection ordered")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BillKind(models.TextChoices):
    REGULAR = "regular", _("Monthly bill")
    REBILL = "rebill", _("Corrected bill")


class BillStatus(models.TextChoices):
    ISSUED = "issued", _("Unpaid")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class BillEventKind(models.TextChoices):
    ISSUED = "issued", _("Issued")
    PAYMENT = "payment", _("Payment applied")
    PAID = "paid", _("Paid in full")
    REFUND = "refund", _("Refund applied")
    REMINDED = "reminded", _("Reminder sent")
    CANCELLED = "cancelled", _("Cancelled")
    REPLACED = "replaced", _("Replaced by a corrected bill")


class HoldReason(models.TextChoices):
    """Why a billing run did not bill an account (listed for review, never silently)."""

    NO_TARIFF = "no_tariff", _("No tariff assigned")
    NO_METER = "no_meter", _("No meter")
    MISSING_READINGS = "missing_readings", _("Readings missing")
    SUSPECT_READINGS = "suspect_readings", _("Suspect readings held for review")
    NO_DEMAND = "no_demand", _("Maximum demand missing")
    TARIFF_GAP = "tariff_gap", _("No tariff version in force")


class LedgerKind(models.TextChoices):
    """An account's ledger: positive amounts are in the customer's favour (payments),
    negative ones are charges (bills), so the balance is the sum and arrears are < 0."""

    BILL = "bill", _("Bill")
    BILL_CANCELLED = "bill_cancelled", _("Bill cancelled")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    LATE_FEE = "late_fee", _("Late-payment fee")
    DEDUCTION = "deduction", _("Prepaid daily deduction")
    DEDUCTION_SETTLED = "deduction_settled", _("Prepaid deductions settled by the bill")
    ADJUSTMENT = "adjustment", _("Adjustment")


class Provider(models.TextChoices):
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    COUNTER_CASH = "counter_cash", _("Cash at the counter")


#: Providers whose payments arrive by a signed callback (and can be queried).
ONLINE_PROVIDERS = frozenset({Provider.WECHAT, Provider.ALIPAY})


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed unpaid")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


class PaymentEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")
    QUERIED = "queried", _("Queried at the provider")
    REFUND_REQUESTED = "refund_requested", _("Refund requested")
    REFUNDED = "refunded", _("Refunded")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    RECONCILED = "reconciled", _("Reconciled by staff")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class CallbackVerdict(models.TextChoices):
    """What happened to a provider callback. BAD_SIGNATURE and STALE are audited (nothing in
    them can be trusted); UNKNOWN_ORDER and WRONG_AMOUNT (money the provider holds that no
    order explains) are listed for reconciliation; the rest are kept as the record."""

    APPLIED = "applied", _("Applied")
    DUPLICATE = "duplicate", _("Duplicate (already applied)")
    BAD_SIGNATURE = "bad_signature", _("Signature invalid")
    STALE = "stale", _("Timestamp outside the allowed window")
    MALFORMED = "malformed", _("Malformed")
    UNKNOWN_ORDER = "unknown_order", _("Unknown order")
    WRONG_AMOUNT = "wrong_amount", _("Amount does not match")
    NOT_SUCCESS = "not_success", _("Not a successful payment")


#: Verdicts staff must settle (listed for reconciliation until resolved).
RECONCILE_VERDICTS = frozenset({CallbackVerdict.UNKNOWN_ORDER, CallbackVerdict.WRONG_AMOUNT})
#: Verdicts of callbacks whose signature or timestamp failed (audited).
FORGED_VERDICTS = frozenset({CallbackVerdict.BAD_SIGNATURE, CallbackVerdict.STALE})


class BillingEventKind(models.TextChoices):
    """Account events; the two *_REQUESTED kinds are read by the service app, which opens
    the work order (billing sits below service and never imports it)."""

    REMINDER = "reminder", _("Payment reminder sent")
    DISCONNECTION_NOTICE = "disconnection_notice", _("Disconnection notice sent")
    LOW_BALANCE = "low_balance", _("Low-balance notice sent")
    DISCONNECT_REQUESTED = "disconnect_requested", _("Disconnection requested")
    #: An important customer (重要客户) due for disconnection: listed for staff, never cut
    #: automatically.
    DISCONNECT_HELD = "disconnect_held", _("Disconnection held: important customer")
    DISCONNECTED = "disconnected", _("Disconnected")
    RECONNECT_REQUESTED = "reconnect_requested", _("Reconnection requested")
    RECONNECTED = "reconnected", _("Reconnected")


class CallbackResolution(models.TextChoices):
    """How staff settled a listed callback (`services.reconcile.callback_resolve`)."""

    APPLIED = "applied", _("Applied to an account")
    DISMISSED = "dismissed", _("Settled outside GridCare")


#: Event kinds a higher app acts on (opens a work order for).
REQUEST_KINDS = frozenset(
    {BillingEventKind.DISCONNECT_REQUESTED, BillingEventKind.RECONNECT_REQUESTED}
)
