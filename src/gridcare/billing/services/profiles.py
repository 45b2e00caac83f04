"""An account's billing profile: which tariff, pre- or post-paid, the two-part options."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.billing.choices import BasicChargeMethod, PaymentMode
from gridcare.billing.models import BillingProfile, Tariff, TariffAssignment
from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import User
from gridcare.customers.models import Account


@transaction.atomic
def billing_profile_set(
    *,
    actor: User | None,
    account: Account,
    tariff_code: str,
    payment_mode: str = PaymentMode.POSTPAID,
    many_members: bool = False,
    basic_method: str = BasicChargeMethod.NONE,
    contracted_demand_kw: Decimal | None = None,
    since: dt.date | None = None,
) -> BillingProfile:
    """Create or change how `account` is billed (a tariff change takes effect `since`)."""
    tariff = Tariff.objects.filter(code=tariff_code).first()
    if tariff is None:
        raise NotFound("billing.tariff.not_found", _("No such tariff"), field="tariff_code")
    if payment_mode not in PaymentMode.values:
        raise DomainError("billing.profile.mode", _("Unknown payment mode"), field="payment_mode")
    if basic_method == BasicChargeMethod.CONTRACT_DEMAND and not contracted_demand_kw:
        raise DomainError(
            "billing.profile.contract_demand",
            _("The contracted-demand method needs the contracted demand"),
            field="contracted_demand_kw",
        )
    profile, created = BillingProfile.objects.select_for_update().get_or_create(
        account=account, defaults={"tariff": tariff}
    )
    if created or profile.tariff_id != tariff.pk:
        start = since or (account.opened_on if created else timezone.localdate())
        TariffAssignment.objects.update_or_create(
            account=account, since=start, defaults={"tariff": tariff, "created_by": actor}
        )
    profile.tariff = tariff
    profile.payment_mode = payment_mode
    profile.many_members = many_members
    profile.basic_method = basic_method
    profile.contracted_demand_kw = contracted_demand_kw
    profile.save()
    audit_record(
        actor=actor,
        action="billing.profile_set",
        obj=profile,
        data={"account": account.number, "tariff": tariff_code, "mode": payment_mode},
    )
    return profile
