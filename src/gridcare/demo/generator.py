"""Builds, finds and removes the deterministic demo utility (青溪县供电局).

`demo_build` drafts everything in memory (seeded, no clock), then writes it in one
transaction (contacts and notices dated up to the demo's last day, `until`): the org tree, network and logins through the domain services, the mass rows
in bulk, and a single `demo.build` audit entry holding the seed, size and counts. The demo is
found again by its bureau's fixed code, so building twice never duplicates anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet

from gridcare.core.audit import audit_record
from gridcare.core.models import AuditLog, OrgUnit, User
from gridcare.customers.models import Account, ChannelIdentity, ConsentRecord, Customer
from gridcare.demo.account_draft import BOUND, DemoDraft, draft_demo
from gridcare.demo.billing import demo_billing_profiles_create
from gridcare.demo.contacts import demo_contacts_create
from gridcare.demo.logins import customer_login_create, staff_logins_create
from gridcare.demo.orders import demo_orders_create
from gridcare.demo.outages import demo_outages_create
from gridcare.demo.plan import BUREAU_CODE, LOCAL_TZ, DemoPlan
from gridcare.demo.population import (
    Population,
    contact_data_create,
    customers_and_accounts_create,
    meters_create,
)
from gridcare.demo.topology import (
    OrgTree,
    feeders_create,
    org_tree_create,
    org_tree_get,
    transformers_create,
)
from gridcare.grid.models import Feeder, Meter, Substation, Transformer
from gridcare.outages.models import Outage
from gridcare.service.models import WorkOrder

BUILD_ACTION = "demo.build"
BUILD_STEPS = (
    "Drafting the county: people, addresses, network",
    "Org units and staff logins",
    "Substations, feeders and transformers",
    "Customers, premises and accounts",
    "Meters and account links",
    "Billing profiles: tariffs and payment modes",
    "Consents and WeChat identities",
    "Demo customer login",
    "Work orders: a year of history and today's open orders",
    "Outages: terminals and a year of interruptions",
)
OnStep = Callable[[str], None]


@dataclass(frozen=True)
class DemoInfo:
    """An existing demo: its org tree, what it holds, and how it was built (if recorded)."""

    tree: OrgTree
    counts: dict[str, int]
    seed: int | None = None
    factor: float | None = None


def demo_bureau() -> OrgUnit | None:
    return OrgUnit.objects.filter(code=BUREAU_CODE).first()


def demo_units(bureau: OrgUnit) -> QuerySet[OrgUnit]:
    """The bureau and every unit below it."""
    return OrgUnit.objects.filter(path__startswith=bureau.path)


def demo_counts(bureau: OrgUnit) -> dict[str, int]:
    """Rows per kind that belong to the demo, with accounts also counted per tariff class."""
    units = demo_units(bureau)
    accounts = Account.objects.filter(supply_unit__in=units)
    customers = Customer.objects.filter(pk__in=accounts.values("customer_id"))
    meters = Meter.objects.filter(transformer__org_unit__in=units)
    counts = {
        "org_units": units.count(),
        "substations": Substation.objects.filter(org_unit__in=units).count(),
        "feeders": Feeder.objects.filter(substation__org_unit__in=units).count(),
        "transformers": Transformer.objects.filter(org_unit__in=units).count(),
        "meters": meters.count(),
        "transformer_total_meters": meters.filter(is_transformer_total=True).count(),
        "customers": customers.count(),
        "accounts": accounts.count(),
        "consent_records": ConsentRecord.objects.filter(customer__in=customers).count(),
        "wechat_identities": ChannelIdentity.objects.filter(customer__in=customers).count(),
        "staff_users": User.objects.filter(org_unit__in=units).count(),
        "work_orders": WorkOrder.objects.filter(org_unit__in=units).count(),
        "outages": Outage.objects.filter(org_unit__in=units).count(),
    }
    per_class = accounts.values("tariff_class").annotate(n=Count("pk")).order_by("tariff_class")
    counts |= {f"accounts.{row['tariff_class']}": row["n"] for row in per_class}
    return counts


def demo_find() -> DemoInfo | None:
    """The demo in this database, or None; seed and size come from its build audit entry."""
    bureau = demo_bureau()
    if bureau is None:
        return None
    entry = AuditLog.objects.filter(action=BUILD_ACTION, object_id=str(bureau.pk)).first()
    data: dict[str, Any] = entry.data if entry is not None else {}
    return DemoInfo(
        tree=org_tree_get(bureau),
        counts=demo_counts(bureau),
        seed=data.get("seed"),
        factor=data.get("factor"),
    )


#: The demo's clock stops at this hour of its last day: the newest contact is from then.
LAST_HOUR = dt.time(18, 0)


def demo_build(*, plan: DemoPlan, until: dt.date, on_step: OnStep | None = None) -> DemoInfo:
    """Create the demo described by `plan`, its history ending on `until`; the caller
    checks that none exists yet."""
    steps = iter(BUILD_STEPS)

    def step() -> None:
        if on_step is not None:
            on_step(next(steps))

    step()
    # Drafting needs no database, so it runs before the write transaction opens.
    draft = draft_demo(plan)
    with transaction.atomic():
        step()
        tree = org_tree_create()
        staff_logins_create(tree=tree, seed=plan.seed)
        step()
        transformers = transformers_create(tree, feeders_create(tree), draft.transformers)
        step()
        population = customers_and_accounts_create(draft, tree)
        step()
        meters_create(draft, transformers, population.accounts)
        step()
        demo_billing_profiles_create(accounts=population.accounts, seed=plan.seed)
        step()
        contact_data_create(draft, population.customers)
        step()
        now = dt.datetime.combine(until, LAST_HOUR, tzinfo=LOCAL_TZ)
        _demo_customer_login_create(draft, population, now=now)
        step()
        demo_orders_create(tree=tree, plan=plan, until=until, end=now)
        step()
        demo_outages_create(tree=tree, plan=plan, until=until)
        counts = demo_counts(tree.bureau)
        audit_record(
            actor=None,
            action=BUILD_ACTION,
            obj=tree.bureau,
            data={
                "seed": plan.seed,
                "factor": plan.factor,
                "until": until.isoformat(),
                "counts": counts,
            },
        )
    return DemoInfo(tree=tree, counts=counts, seed=plan.seed, factor=plan.factor)


def _demo_customer_login_create(
    draft: DemoDraft, population: Population, *, now: dt.datetime
) -> None:
    drafted = zip(draft.accounts, population.accounts, strict=True)
    demo = [(item, account) for item, account in drafted if item.binding]
    customer = population.customers[demo[0][0].customer]
    bound = [account for item, account in demo if item.binding == BOUND]
    customer_login_create(customer=customer, bound=bound)
    demo_contacts_create(customer=customer, account=bound[0], now=now)
