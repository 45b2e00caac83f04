"""The demo year as the monitoring tells it: SLA clocks of the history orders that agree
with their events, a weak station, a complaint spike, satisfaction dipping and recovering,
online contacts growing, the hall's waits falling, and the year's facts ending on the
demo's last day; a reset removes the demo's facts and firings."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from statistics import mean

import pytest

from gridcare.customers.models import Interaction
from gridcare.demo.generator import demo_build
from gridcare.demo.history_story import WEAK_STATION
from gridcare.demo.monitoring import demo_monitoring_build
from gridcare.demo.plan import LOCAL_TZ, DemoPlan
from gridcare.demo.reset import demo_reset
from gridcare.monitoring.metrics import ONLINE_CHANNELS
from gridcare.monitoring.models import AlertFiring, AlertRule, Fact, RollupDay
from gridcare.monitoring.selectors.facts import Period, kpi_value
from gridcare.monitoring.services.sources import SOURCES
from gridcare.service.choices import OrderState, OrderType
from gridcare.service.models import ReturnVisit, SlaClock, WorkOrder, WorkOrderEvent

UNTIL = dt.date(2026, 12, 6)
FIRST = UNTIL - dt.timedelta(days=364)
PLAN = DemoPlan(factor=0.05)


@pytest.fixture
def built(db: None) -> None:
    info = demo_build(plan=PLAN, until=UNTIL)
    demo_monitoring_build(until=UNTIL)
    stations = [unit.pk for unit in info.tree.stations]
    assert len(stations) == 3


def history() -> list[WorkOrder]:
    return list(WorkOrder.objects.filter(data__demo="history").select_related("org_unit"))


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_TZ).date()


def month(moment: dt.datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%Y-%m}"


def station_codes() -> list[str]:
    return sorted({o.org_unit.code for o in history()})


@pytest.mark.django_db
def test_history_orders_have_clocks_that_agree_with_their_events(built: None) -> None:
    repairs = [o for o in history() if o.order_type == OrderType.FAULT_REPAIR]
    archived = [o for o in repairs if o.state == OrderState.ARCHIVED]
    clocks = {
        (c.order_id, c.clock): c for c in SlaClock.objects.filter(order__data__demo="history")
    }
    arrive = dict(
        WorkOrderEvent.objects.filter(kind="arrive", order__in=archived).values_list("order_id", "at")
    )  # fmt: skip
    limits = {"urban": 45, "rural": 90, "remote": 120}
    met = missed = 0
    for order in archived:
        clock = clocks[(order.pk, "repair_arrival")]
        assert (order.pk, "repair_restoration") in clocks
        assert clock.started_at == order.created_at
        assert clock.stopped_at == arrive[order.pk]
        assert clock.stopped_by == "arrive"
        assert clock.limit == limits[order.area_class]
        assert clock.unit == "minutes"
        in_time = arrive[order.pk] - order.created_at <= dt.timedelta(minutes=clock.limit)
        assert (clock.stopped_at <= clock.deadline_at) == in_time
        met, missed = met + in_time, missed + (not in_time)
    assert met > missed > 0
    # Merged and cancelled orders' clocks were ended by that, never fulfilled.
    for order in (o for o in repairs if o.state != OrderState.ARCHIVED):
        assert clocks[(order.pk, "repair_arrival")].stopped_by in ("merge", "cancel")
    # A complaint's first contact is stopped by the call back, its reply by the answer.
    complaints = [o for o in history() if o.order_type == OrderType.COMPLAINT]
    for order in complaints:
        if order.state == OrderState.ARCHIVED:
            assert clocks[(order.pk, "complaint_contact")].stopped_by == "contact"
            assert clocks[(order.pk, "complaint_reply")].stopped_by == "resolve"
            assert clocks[(order.pk, "complaint_reply")].unit == "working_days"


@pytest.mark.django_db
def test_the_weak_station_misses_its_repair_commitment_most(built: None) -> None:
    late: Counter[str] = Counter()
    total: Counter[str] = Counter()
    arrivals = SlaClock.objects.filter(order__data__demo="history", clock="repair_arrival")
    for clock in arrivals.filter(stopped_by="arrive").select_related("order__org_unit"):
        code = clock.order.org_unit.code
        total[code] += 1
        late[code] += clock.stopped_at > clock.deadline_at
    rates = {code: late[code] / total[code] for code in total}
    weak = station_codes()[WEAK_STATION]
    assert rates[weak] == max(rates.values())
    assert rates[weak] > 2 * min(rates.values())


@pytest.mark.django_db
def test_one_station_has_a_complaint_spike_in_one_month(built: None) -> None:
    per: Counter[tuple[str, str]] = Counter()
    for order in history():
        if order.order_type == OrderType.COMPLAINT:
            per[(order.org_unit.code, month(order.created_at))] += 1
    (code, _spike), count = per.most_common(1)[0]
    average = sum(n for (c, _), n in per.items() if c == code) / 12
    assert code == station_codes()[WEAK_STATION]
    assert count > 2 * average


@pytest.mark.django_db
def test_satisfaction_dips_in_the_spike_month_and_recovers(built: None) -> None:
    weak = station_codes()[WEAK_STATION]
    per: Counter[tuple[str, str]] = Counter()
    for order in history():
        if order.order_type == OrderType.COMPLAINT and order.org_unit.code == weak:
            per[(weak, month(order.created_at))] += 1
    spike = per.most_common(1)[0][0][1]
    rated = ReturnVisit.objects.filter(order__data__demo="history", rating__isnull=False)
    ratings = [(month(v.order.created_at), v.rating) for v in rated.select_related("order")]
    in_spike = [r for m, r in ratings if m == spike]
    last_months = [r for m, r in ratings if m >= f"{UNTIL - dt.timedelta(days=60):%Y-%m}"]
    assert in_spike
    assert last_months
    assert mean(in_spike) < mean(r for _, r in ratings) < mean(last_months) + 0.5


@pytest.mark.django_db
def test_online_contacts_grow_and_hall_waits_fall(built: None) -> None:
    contacts = Interaction.objects.filter(occurred_at__date__gte=FIRST)

    def online_share(first: dt.date, last: dt.date) -> float:
        rows = contacts.filter(occurred_at__date__gte=first, occurred_at__date__lte=last)
        channels = list(rows.values_list("channel", flat=True))
        orders = WorkOrder.objects.filter(
            data__demo="history", created_at__date__gte=first, created_at__date__lte=last
        )
        channels += list(orders.values_list("origin", flat=True))
        return sum(c in ONLINE_CHANNELS for c in channels) / len(channels)

    assert (
        online_share(UNTIL - dt.timedelta(days=29), UNTIL)
        > online_share(FIRST, FIRST + dt.timedelta(days=29)) + 0.1
    )
    counter = contacts.filter(channel="counter")
    assert counter.count() > 20
    early = [i.data["wait_seconds"] for i in counter.filter(occurred_at__date__lt=FIRST + dt.timedelta(days=90))]  # fmt: skip
    late = [i.data["wait_seconds"] for i in counter.filter(occurred_at__date__gt=UNTIL - dt.timedelta(days=90))]  # fmt: skip
    assert mean(late) < mean(early)
    # Every history order was opened by a contact on its timeline.
    links = Interaction.objects.filter(links__has_key="work_order").values_list("links", flat=True)
    linked = {str(link["work_order"]) for link in links}
    numbers = set(WorkOrder.objects.filter(data__demo="history").values_list("number", flat=True))
    assert numbers <= linked


@pytest.mark.django_db
def test_the_facts_cover_the_year_and_end_on_the_last_day(built: None) -> None:
    assert RollupDay.objects.filter(day=UNTIL).exists()
    assert RollupDay.objects.filter(day__gte=FIRST).count() == 365
    assert not RollupDay.objects.filter(day__gt=UNTIL).exists()
    assert not Fact.objects.filter(day__gt=UNTIL).exists()
    if not SOURCES:
        pytest.skip("no rollup sources installed yet: no fact rows to check")
    assert Fact.objects.filter(day=UNTIL).exists()
    assert Fact.objects.filter(day=FIRST).exists()


@pytest.mark.django_db
def test_most_consultations_are_settled_on_the_first_contact(built: None) -> None:
    consultations = WorkOrder.objects.filter(
        data__demo="history", order_type=OrderType.CONSULTATION, state=OrderState.ARCHIVED
    )
    dispatched = consultations.filter(events__kind="dispatch").distinct().count()
    assert 0 < dispatched < consultations.count() * 0.4
    # The KPI reads it: first-contact resolution is neither zero nor everything.
    value = kpi_value("fcr", unit=None, period=Period(FIRST, UNTIL)).value
    assert value is not None
    assert 20 < value < 95


@pytest.mark.django_db
def test_the_alert_rules_are_replayed_over_the_demos_last_month_only(built: None) -> None:
    # A demo this small has too few orders a day to fire a rule (the default size fires
    # the weak stations' SLA rule); what holds at any size: nothing older than the month.
    firings = AlertFiring.objects.all()
    month_ago = dt.datetime.combine(UNTIL - dt.timedelta(days=30), dt.time(), tzinfo=LOCAL_TZ)
    assert not firings.filter(fired_at__lt=month_ago).exists()
    assert all(f.notified >= 1 for f in firings)


@pytest.mark.django_db
def test_reset_removes_the_demos_facts_and_firings(built: None) -> None:
    station = WorkOrder.objects.filter(data__demo="history").values_list("org_unit", flat=True)[0]
    Fact.objects.create(day=UNTIL, metric="orders", org_unit_id=station, n=3)
    rule = AlertRule.objects.create(
        code="demo-test", name="t", kind="sla_below_target", threshold=90
    )
    at = dt.datetime.combine(UNTIL, dt.time(), tzinfo=LOCAL_TZ)
    AlertFiring.objects.create(
        rule=rule, subject="s", org_unit_id=station, window_start=at, window_end=at, value=1,
        threshold=90,
    )  # fmt: skip
    deleted = demo_reset()
    assert deleted["monitoring.Fact"] >= 1
    assert deleted["monitoring.AlertFiring"] == 1
    assert not Fact.objects.exists()
    assert not AlertFiring.objects.exists()
    assert not RollupDay.objects.filter(day=UNTIL).exists()
    assert AlertRule.objects.filter(code="demo-test").exists()
    assert not SlaClock.objects.filter(order__data__demo="history").exists()
    assert not WorkOrder.objects.filter(data__demo="history").exists()
