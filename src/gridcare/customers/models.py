"""Customers: Customer, Premise, Account (户号), meters, channel identities, consent, bindings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.core.models import OrgUnit, User
from gridcare.core.privacy import EncryptedTextField
from gridcare.customers.choices import (
    AccountStatus,
    Agreement,
    Channel,
    ConsentPurpose,
    ContactChannel,
    CustomerKind,
    ImportanceLevel,
    InteractionChannel,
    InteractionDirection,
    TariffClass,
)
from gridcare.grid.choices import VoltageLevel
from gridcare.grid.models import Meter


class Customer(models.Model):
    """客户: the person or organisation that holds accounts.

    The ID number is sensitive personal information (PIPL Art. 28): stored encrypted, with a
    keyed blind index for exact lookups and uniqueness.
    """

    #: Masked everywhere; `core.services.pii_reveal` shows one of these, audited.
    PII_FIELDS = ("name", "mobile", "id_number")

    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    mobile = models.CharField(_("mobile"), max_length=11, db_index=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=64, null=True, blank=True, unique=True)
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
        verbose_name=_("portal login"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class Premise(models.Model):
    """用电地址: a structured Chinese address."""

    province = models.CharField(_("province"), max_length=32)
    city = models.CharField(_("city"), max_length=32)
    district = models.CharField(_("district"), max_length=32)
    street = models.CharField(_("street / town"), max_length=64)
    detail = models.CharField(_("detail"), max_length=128)

    class Meta:
        verbose_name = _("premise")
        verbose_name_plural = _("premises")

    def __str__(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.street}{self.detail}"


class Account(models.Model):
    """户号: a supply contract at one premise, the unit of billing and service."""

    number = models.CharField(_("account number"), max_length=13, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("customer")
    )
    premise = models.ForeignKey(
        Premise, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("premise")
    )
    supply_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("supply unit")
    )
    registered_mobile = models.CharField(_("registered mobile"), max_length=11)
    tariff_class = models.CharField(_("tariff class"), max_length=24, choices=TariffClass.choices)
    contracted_capacity_kva = models.DecimalField(
        _("contracted capacity (kVA)"), max_digits=10, decimal_places=1
    )
    voltage_level = models.CharField(
        _("voltage level"), max_length=8, choices=VoltageLevel.choices, default=VoltageLevel.V220
    )
    importance_level = models.CharField(
        _("important-customer level"),
        max_length=16,
        choices=ImportanceLevel.choices,
        default=ImportanceLevel.NONE,
    )
    is_sensitive = models.BooleanField(_("sensitive customer"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    meters: models.ManyToManyField[Meter, AccountMeter] = models.ManyToManyField(
        Meter, through="AccountMeter", related_name="accounts", verbose_name=_("meters")
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(contracted_capacity_kva__gt=0),
                name="customers_account_capacity_positive",
            )
        ]

    def __str__(self) -> str:
        return self.number


class AccountMeter(models.Model):
    """Which meter measures which account; a meter serves one account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="meter_links")
    meter = models.OneToOneField(Meter, on_delete=models.PROTECT, related_name="account_link")
    since = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("account meter")
        verbose_name_plural = _("account meters")

    def __str__(self) -> str:
        return f"{self.account_id} ← {self.meter_id}"

    def clean(self) -> None:
        # A meter must hang under a transformer run by the account's supply unit.
        if (
            self.account_id
            and self.meter_id
            and self.meter.transformer.org_unit_id != self.account.supply_unit_id
        ):
            raise ValidationError(_("Meter's transformer belongs to another supply unit."))


class ChannelIdentity(models.Model):
    """渠道身份: a WeChat openid, Alipay user id or app device that resolves to a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("channel identity")
        verbose_name_plural = _("channel identities")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="customers_identity_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class ContactPreference(models.Model):
    """How a customer wants to be reached: channels in order of preference, and language."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="contact_preference"
    )
    channels = models.JSONField(default=list, blank=True)  # none ticked: SMS
    language = models.CharField(max_length=8, default="zh-hans")
    email = models.EmailField(_("e-mail"), blank=True)
    # The customer's own quiet hours (Beijing time); empty: the utility's default.
    quiet_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")

    def __str__(self) -> str:
        return ",".join(self.channels)

    def clean(self) -> None:
        unknown = set(self.channels) - set(ContactChannel.values)
        if unknown:
            raise ValidationError(
                {"channels": _("Unknown channel: %s") % ", ".join(sorted(unknown))}
            )


class ConsentRecord(models.Model):
    """同意记录 (PIPL): append-only; the newest record per purpose is the current consent.

    A customer's consent to notices (`ConsentPurpose`), or a portal login's acceptance of
    the user agreement and privacy policy at registration (`Agreement`; `user` set, no
    customer yet)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="agreements"
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=[*ConsentPurpose.choices, *Agreement.choices]
    )
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=32)
    notice_version = models.CharField(_("notice version"), max_length=16)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [
            models.Index(fields=["customer", "purpose", "-at"], name="customers_consent_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(user__isnull=False),
                name="customers_consent_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id or self.user_id} {self.purpose}={self.granted}"


class AccountBinding(models.Model):
    """户号绑定: a portal login allowed to see an account, after proving control of its mobile."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_bindings")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="bindings")
    bound_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("account binding")
        verbose_name_plural = _("account bindings")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "account"],
                condition=Q(revoked_at__isnull=True),
                name="customers_binding_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.account_id}"


class BindingChallenge(models.Model):
    """A verification code sent to an account's registered mobile; only its digest is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"challenge {self.pk} for {self.account_id}"


class SignupChallenge(models.Model):
    """A code sent to a mobile number being registered as a portal login; only its digest
    is kept. `ip` is the requester's address (throttling per address)."""

    mobile = models.CharField(max_length=11, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"signup challenge {self.pk}"


class SimulatedMessage(models.Model):
    """What the simulated SMS backend 'sent' (demo and tests read codes from here)."""

    mobile = models.CharField(max_length=11, db_index=True)
    text = models.CharField(max_length=500)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.mobile}: {self.text}"


class Interaction(models.Model):
    """客户接触记录: one contact on the customer's timeline, whatever the channel.

    `links` names what the contact is about in other apps (`{"notification": 12}`, later
    work orders, bills, outages) without foreign keys upwards. `external_id` is the
    channel's own id (WeChat MsgId, CTI call id, queue ticket): recording the same one
    twice changes nothing. `data` keeps what is particular to the channel (the recording
    reference of a call; queue number, wait and service seconds of a counter visit).
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=InteractionChannel.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=InteractionDirection.choices)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    summary = models.CharField(_("summary"), max_length=200)
    body = models.TextField(_("content"), blank=True)
    agent = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    links = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="customers_timeline"),
            # The monitoring rollup reads a range of days (customers.kpi_selectors).
            models.Index(fields=["occurred_at"], name="customers_interaction_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="customers_interaction_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.occurred_at:%Y-%m-%d %H:%M} {self.summary}"
