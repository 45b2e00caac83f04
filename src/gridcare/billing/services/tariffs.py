"""Tariff versions: added and closed by administrators, checked before they are saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcare.billing.engine.tariff import SpecError, check_versions, parse_spec
from gridcare.billing.models import Tariff, TariffVersion
from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User

#: The Chinese (translated) reason for each engine code; the engine's text says where.
SPEC_MESSAGES = {
    "tier_gap": gettext_lazy("The tiers leave a gap or overlap"),
    "season_months": gettext_lazy("Every month must be in exactly one season"),
    "period_overlap": gettext_lazy("The validity period overlaps another version of this tariff"),
    "missing_price": gettext_lazy("A price is missing"),
    "negative": gettext_lazy("Prices and thresholds cannot be negative"),
    "bad_number": gettext_lazy("A value is not a number"),
}


def spec_error(exc: SpecError, *, field: str = "spec") -> DomainError:
    message = str(SPEC_MESSAGES.get(exc.code, _("The tariff document is invalid")))
    return DomainError(f"tariff.{exc.code}", f"{message}: {exc.reason}", field=field)


def tariff_version_check(
    *,
    tariff: Tariff,
    effective_from: dt.date,
    effective_to: dt.date | None,
    spec: Any,
    exclude_pk: int | None = None,
) -> None:
    """Raise DomainError (400) when `spec` cannot be billed or the period overlaps."""
    try:
        parse_spec(spec)
    except SpecError as exc:
        raise spec_error(exc) from exc
    if effective_to is not None and effective_to < effective_from:
        raise DomainError(
            "tariff.period_order", _("The end date is before the start date"), field="effective_to"
        )
    others = tariff.versions.exclude(pk=exclude_pk) if exclude_pk else tariff.versions.all()
    spans = [(v.effective_from, v.effective_to) for v in others]
    try:
        check_versions([*spans, (effective_from, effective_to)])
    except SpecError as exc:
        raise spec_error(exc, field="effective_from") from exc


@transaction.atomic
def tariff_version_create(
    *,
    actor: User | None,
    tariff: Tariff,
    effective_from: dt.date,
    spec: dict[str, Any],
    effective_to: dt.date | None = None,
    basis: str = "",
) -> TariffVersion:
    """A new version of `tariff`. To change prices from a date, close the current version
    the day before (`effective_to`) and add the new one from that date."""
    Tariff.objects.select_for_update().get(pk=tariff.pk)  # one version change at a time
    tariff_version_check(
        tariff=tariff, effective_from=effective_from, effective_to=effective_to, spec=spec
    )
    version = TariffVersion.objects.create(
        tariff=tariff,
        effective_from=effective_from,
        effective_to=effective_to,
        spec=spec,
        basis=basis,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="billing.tariff_version_create",
        obj=version,
        data={"tariff": tariff.code, "from": str(effective_from), "to": str(effective_to or "")},
    )
    return version


def versions_in_force(*, tariff: Tariff, start: dt.date, end: dt.date) -> list[TariffVersion]:
    """The versions covering any day of [start, end], oldest first."""
    return [
        v
        for v in tariff.versions.order_by("effective_from")
        if v.effective_from <= end and (v.effective_to is None or v.effective_to >= start)
    ]
