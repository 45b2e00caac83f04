"""Removes the demo utility and nothing else, for `gridcare demo --reset`.

Rows are deleted leaves first, because the topology and accounts are linked with PROTECT
foreign keys. Only rows reachable from the demo bureau go: its org subtree, the work
orders of those units (history, live orders, and any a visitor filed), the network and
accounts those units own, the customers and premises of those accounts, staff of those
units and the demo customer login. The audit log is evidence and stays, with a
`demo.reset` entry added; entries whose actor was a deleted demo login keep its name in
`actor_label` (the foreign key is SET_NULL by design). If another app has since attached
rows to a demo account (bills…), the PROTECT error aborts the whole reset and nothing is
deleted.

The demo's monitoring facts and alert firings go too (with the rollup's marks of days that
no fact is left on). The demo's import batches go too, so the rebuilt demo loads its readings again (its 台区
statistics went with the transformers); re-imported days replace the stored ones.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import Model, Q, QuerySet

from gridcare.assistant.models import BotSession
from gridcare.billing import models as billing
from gridcare.core.audit import audit_record
from gridcare.core.models import User
from gridcare.customers.models import Account, AccountMeter, Customer, Premise
from gridcare.demo.generator import demo_bureau, demo_units
from gridcare.demo.outages import demo_outages_delete
from gridcare.demo.plan import DEMO_CUSTOMER_MOBILE
from gridcare.grid.models import Feeder, Meter, Substation, Transformer
from gridcare.metering.choices import ImportSource
from gridcare.metering.models import ImportBatch
from gridcare.monitoring.models import AlertFiring, Fact, RollupDay
from gridcare.service.models import WorkOrder

#: Keeps `pk IN (…)` lists well under every backend's parameter limit.
CHUNK = 500


def _delete(queryset: QuerySet[Model], deleted: Counter[str]) -> None:
    _, per_model = queryset.delete()
    deleted.update(per_model)


def _delete_unreferenced(model: type[Model], ids: list[int], deleted: Counter[str]) -> None:
    """Delete the rows among `ids` that no account refers to any more."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        unused = model._default_manager.filter(pk__in=chunk, accounts__isnull=True)
        _delete(unused, deleted)


@transaction.atomic
def _billing_delete(accounts: QuerySet[Account], deleted: Counter[str]) -> None:
    """The demo accounts' billing rows, leaves first (ledger and events before payments and
    bills, bills before runs)."""

    for model in (
        billing.LedgerEntry,
        billing.BillingEvent,
        billing.BillingHold,
        billing.TariffAssignment,
    ):
        _delete(model.objects.filter(account__in=accounts), deleted)
    payments = billing.Payment.objects.filter(account__in=accounts)
    _delete(billing.Refund.objects.filter(payment__in=payments), deleted)
    _delete(payments, deleted)
    bills = billing.Bill.objects.filter(account__in=accounts)
    # A rebill points at the bill it replaces (PROTECT): the newest go first.
    while bills.exists():
        _delete(bills.filter(replaced_by__isnull=True), deleted)
    _delete(billing.BillingProfile.objects.filter(account__in=accounts), deleted)
    _delete(billing.BillingRun.objects.filter(bills__isnull=True, holds__isnull=True), deleted)


def _monitoring_delete(unit_ids: list[int], deleted: Counter[str]) -> None:
    """The demo's facts and alert firings, and the build marks of days left with no facts
    (the org units' cascade would take the facts too, but uncounted and slower)."""
    _delete(AlertFiring.objects.filter(org_unit__in=unit_ids), deleted)
    _delete(Fact.objects.filter(org_unit__in=unit_ids), deleted)
    _delete(RollupDay.objects.exclude(day__in=Fact.objects.values("day")), deleted)


def demo_reset() -> dict[str, int]:
    """Delete the demo; returns rows deleted per model label (empty if there was none)."""
    bureau = demo_bureau()
    if bureau is None:
        return {}
    units = demo_units(bureau)
    unit_ids = list(units.values_list("pk", flat=True))
    accounts = Account.objects.filter(supply_unit__in=unit_ids)
    customer_ids = sorted(set(accounts.values_list("customer_id", flat=True)))
    premise_ids = sorted(set(accounts.values_list("premise_id", flat=True)))
    deleted: Counter[str] = Counter()
    _monitoring_delete(unit_ids, deleted)
    # Work orders first (they hold accounts, teams and logins); merged children point at
    # their parent with PROTECT, so the links go before the rows.
    orders = WorkOrder.objects.filter(org_unit__in=unit_ids)
    orders.filter(parent__isnull=False).update(parent=None)
    _delete(orders, deleted)
    _billing_delete(accounts, deleted)
    # The bot's conversations with demo customers (their turns go with them).
    _delete(BotSession.objects.filter(customer_id__in=customer_ids), deleted)
    # Outages protect accounts, 台区 and feeders: they (and the terminals) go before them.
    deleted.update(demo_outages_delete(units))
    _delete(AccountMeter.objects.filter(account__supply_unit__in=unit_ids), deleted)
    _delete(accounts, deleted)
    # A customer or premise that also holds a non-demo account is left in place.
    _delete_unreferenced(Customer, customer_ids, deleted)
    _delete_unreferenced(Premise, premise_ids, deleted)
    _delete(Meter.objects.filter(transformer__org_unit__in=unit_ids), deleted)
    _delete(Transformer.objects.filter(org_unit__in=unit_ids), deleted)
    _delete(Feeder.objects.filter(substation__org_unit__in=unit_ids), deleted)
    _delete(Substation.objects.filter(org_unit__in=unit_ids), deleted)
    _delete(ImportBatch.objects.filter(source=ImportSource.DEMO), deleted)
    logins = User.objects.filter(Q(org_unit__in=unit_ids) | Q(username=DEMO_CUSTOMER_MOBILE))
    _delete(logins, deleted)
    # Children before parents: a deeper unit has a longer materialized path.
    for unit in sorted(units, key=lambda unit: len(unit.path), reverse=True):
        _delete(type(unit).objects.filter(pk=unit.pk), deleted)
    audit_record(actor=None, action="demo.reset", data=dict(deleted))
    return dict(deleted)
