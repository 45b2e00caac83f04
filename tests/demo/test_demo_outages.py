"""The demo's outages: a terminal per 台区, a year of restored outages ending the day before
the demo's last day (per-customer interruptions, feeder trips restored in steps), two
announced planned outages, the same rows from the same seed, and a reset that removes them."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db.models import Count, F, Min

from gridcare.demo.generator import demo_build
from gridcare.demo.outages import live_outage_feeder
from gridcare.demo.plan import LOCAL_TZ, DemoPlan
from gridcare.demo.reset import demo_reset
from gridcare.grid.models import Terminal, Transformer
from gridcare.outages.choices import OutageKind, OutageLevel, OutageState
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.selectors.search import outages_public_open

UNTIL = dt.date(2026, 12, 6)
PLAN = DemoPlan(factor=0.05)


@pytest.fixture
def built(db: None) -> float:
    started = time.monotonic()
    info = demo_build(plan=PLAN, until=UNTIL)
    assert info.counts["outages"] > 0
    return time.monotonic() - started


def test_every_demo_area_has_a_terminal(built: float) -> None:
    transformers = Transformer.objects.filter(org_unit__code__startswith="")
    assert Terminal.objects.count() == transformers.count()
    assert not Transformer.objects.filter(terminals__isnull=True).exists()


def test_a_year_of_restored_history_ending_yesterday(built: float) -> None:
    history = Outage.objects.filter(state=OutageState.RESTORED)
    first_day = dt.datetime.combine(UNTIL - dt.timedelta(days=365), dt.time(), tzinfo=LOCAL_TZ)
    last_moment = dt.datetime.combine(UNTIL, dt.time(), tzinfo=LOCAL_TZ)
    assert history.count() > 30
    assert not history.filter(starts_at__lt=first_day).exists()
    assert not history.filter(starts_at__gte=last_moment).exists()
    assert history.filter(kind=OutageKind.PLANNED).exists()
    assert history.filter(kind=OutageKind.UNPLANNED, level=OutageLevel.FEEDER).exists()
    assert history.filter(kind=OutageKind.UNPLANNED, level=OutageLevel.TRANSFORMER).exists()
    # Every interruption ends after it starts, and counts match the rows.
    links = OutageCustomer.objects.filter(outage__in=history)
    assert not links.filter(on_at__lt=F("off_at")).exists()
    assert not links.filter(on_at__isnull=True).exists()
    for outage in history.annotate(n=Count("customers"))[:50]:
        assert outage.affected_count == outage.n
        assert outage.number.startswith("TD")


def test_feeder_trips_are_restored_in_steps(built: float) -> None:
    trips = Outage.objects.filter(kind=OutageKind.UNPLANNED, level=OutageLevel.FEEDER)
    stepped = [trip for trip in trips if trip.customers.values("on_at").distinct().count() > 1]
    assert stepped, "a feeder comes back 台区 by 台区"


def test_two_planned_outages_are_announced_for_the_coming_week(built: float) -> None:
    announced = Outage.objects.filter(state=OutageState.PUBLISHED)
    assert announced.count() == 2
    assert announced.aggregate(first=Min("starts_at"))["first"].date() > UNTIL
    assert {item.number for item in outages_public_open()} == set(
        announced.values_list("number", flat=True)
    )


def test_same_seed_same_history_and_reset_removes_it(built: float) -> None:
    shape = list(
        Outage.objects.order_by("starts_at").values_list(
            "kind", "level", "starts_at", "affected_count"
        )
    )
    assert live_outage_feeder(_tree()) is not None
    deleted = demo_reset()
    assert deleted.get("outages.Outage", 0) == len(shape)
    assert not Terminal.objects.exists()
    demo_build(plan=PLAN, until=UNTIL)
    again = list(
        Outage.objects.order_by("starts_at").values_list(
            "kind", "level", "starts_at", "affected_count"
        )
    )
    assert again == shape


def test_the_live_outage_goes_through_detection_and_a_reset_removes_it(built: float) -> None:
    from django.utils import timezone

    from gridcare.customers.models import Account
    from gridcare.demo.outages_live import demo_live_outage_create
    from gridcare.notify.models import Notification
    from gridcare.service.models import WorkOrder

    tree = _tree()
    feeder = live_outage_feeder(tree)
    assert feeder is not None
    now = timezone.now()
    outage = demo_live_outage_create(tree=tree, now=now)
    assert outage is not None
    assert (outage.kind, outage.state, outage.feeder) == ("unplanned", "active", feeder)
    on_feeder = Account.objects.filter(meter_links__meter__feeder=feeder).distinct().count()
    assert outage.affected_count == on_feeder > 0
    assert outage.etr_at is not None
    assert outage.etr_at > outage.starts_at
    assert outage.etr_basis.get("estimate") is True
    assert now - dt.timedelta(minutes=45) < outage.starts_at < now - dt.timedelta(minutes=35)
    assert Notification.objects.filter(idempotency_key__startswith=f"outage:{outage.number}:")
    assert WorkOrder.objects.filter(source_ref=f"outage:{outage.number}").count() == 1
    # A second build while it is still off trips nothing more.
    assert demo_live_outage_create(tree=tree, now=now) == outage
    assert Outage.objects.filter(kind="unplanned", state="active").count() == 1

    demo_reset()
    assert not Outage.objects.exists()
    assert not WorkOrder.objects.filter(source_ref__startswith="outage:").exists()


def _tree():  # type: ignore[no-untyped-def]
    from gridcare.demo.generator import demo_find

    info = demo_find()
    assert info is not None
    return info.tree
