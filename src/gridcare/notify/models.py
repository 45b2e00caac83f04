"""Outbound notifications: versioned templates, one row per message, its event history, and
what the local fake gateway received."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridcare.core.models import User
from gridcare.customers.choices import ConsentPurpose, ContactChannel
from gridcare.customers.models import Account, Customer
from gridcare.notify.choices import NotificationStatus


class NotificationTemplate(models.Model):
    """通知模板: one version of the text for one message kind on one channel.

    A version is never edited: publishing a change adds version n + 1, and a notification
    keeps the exact version it was rendered from. `variables` are the `{name}` placeholders
    of subject and body, in order of first use (filled in by `template_publish`).
    """

    code = models.CharField(
        _("code"),
        max_length=64,
        validators=[RegexValidator(r"^[a-z0-9_.-]+$", _("Lower-case letters, digits, . _ -"))],
        help_text=_("e.g. outage.planned"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    version = models.PositiveIntegerField(_("version"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("Urgent messages ignore quiet hours.")
    )
    subject = models.CharField(_("subject"), max_length=120, blank=True)
    body = models.TextField(_("body"), max_length=2000)
    variables = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["code", "channel", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "channel", "version"], name="notify_template_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}/{self.channel} v{self.version}"


class Notification(models.Model):
    """通知: one message to one customer on one channel, rendered once, sent at most once.

    `idempotency_key` is the caller's name for the message (`outage:42:customer:7:sms`):
    enqueueing the same key again returns this row, and the channel backends hand it to
    the gateway so a retry after a crash is recognised there. `destination` is the mobile,
    e-mail, openid or user id the message goes to (personal data: masked on every screen).
    State changes are compare-and-set on `status` and leave a `NotificationEvent`.
    """

    idempotency_key = models.CharField(max_length=200, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notifications")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    template = models.ForeignKey(NotificationTemplate, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    urgent = models.BooleanField(default=False)
    context = models.JSONField(default=dict)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    destination = models.CharField(max_length=128, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, db_index=True
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    batch = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="notify_customer_recent"),
            models.Index(fields=["status", "claimed_until"], name="notify_status_lease"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class NotificationEvent(models.Model):
    """One state change of a notification (who/when/what), never rewritten."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.notification_id}: {self.from_status} → {self.to_status}"


class GatewayReceipt(models.Model):
    """What the local fake SMS/WeChat gateway accepted, once per idempotency key; a repeated
    key is answered as already accepted and counted in `duplicates`."""

    channel = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=200, unique=True)
    to = models.CharField(max_length=128)
    body = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)
    duplicates = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel}:{self.idempotency_key}"


class StaffNotice(models.Model):
    """A notice to a staff member (an SLA warning, an overdue escalation): shown in the
    console and, when the staff member has a mobile, sent by SMS through the same SMS
    channel backend and gateway as customer messages.

    `idempotency_key` is the caller's name for the notice plus the user (`sla:7:overdue:…:u3`):
    sending the same notice again changes nothing. `sms_status` follows the SMS: "" (no
    mobile), pending → sending → sent | failed; pending again after a retryable failure.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_notices")
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=2000)
    link = models.CharField(pgettext_lazy("staff notice", "link"), max_length=300, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    sms_to = models.CharField(max_length=11, blank=True)
    sms_status = models.CharField(max_length=8, blank=True, db_index=True)
    sms_attempts = models.PositiveSmallIntegerField(default=0)
    sms_claimed_until = models.DateTimeField(null=True, blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    sms_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("staff notice")
        verbose_name_plural = _("staff notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notify_staff_notice_recent")]

    def __str__(self) -> str:
        return self.idempotency_key
