"""The demo's work orders: a year ending on the demo's last day, the seed's complaint mix,
every open state with live clocks, exactly one order past its commitment, the same orders
from the same seed and day.

History is drafted in memory (`orders_draft`, no database) and bulk-written; today's open
orders go through `order_create` / `order_act` at the moments they happened.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit, User
from gridcare.demo.orders_draft import (
    ARRIVAL_LIMIT,
    COMPLAINT_SHARES,
    OrderDrafter,
    Premise,
    complaint_group,
    quotas,
)
from gridcare.demo.orders_live import OVERDUE_TITLE
from gridcare.demo.plan import DEMO_CUSTOMER_MOBILE, LOCAL_TZ
from gridcare.grid.models import Transformer
from gridcare.service import lifecycle
from gridcare.service.choices import EventKind, OrderState, OrderType
from gridcare.service.models import ReturnVisit, ServiceArea, SlaClock, WorkOrder, WorkOrderEvent
from gridcare.service.selectors import orders_visible_to

UNTIL = dt.date(2026, 11, 22)
END = dt.datetime.combine(UNTIL, dt.time(18), tzinfo=LOCAL_TZ)
OPEN = [
    OrderState.ACCEPTED,
    OrderState.DISPATCHED,
    OrderState.TAKEN,
    OrderState.ARRIVED,
    # `resolved` passes at once into `return_visit` for an order with a customer.
    OrderState.RETURN_VISIT,
]
#: Restoration after arrival, minutes (SGCC 2023), for the check without SLA clocks.
RESTORATION_LIMIT = {"urban": 180, "rural": 240, "remote": 240}


@pytest.fixture(autouse=True)
def _quick_static_files(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = []
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command(
        "demo", "--size", "small", "--no-serve", "--days", "0", "--until", UNTIL.isoformat(),
        "--bill-months", "0", *args, stdout=out,
    )  # fmt: skip
    return out.getvalue()


@pytest.fixture
def built(db: None) -> str:
    return run_demo()


def history() -> list[WorkOrder]:
    return list(WorkOrder.objects.filter(data__demo="history").order_by("created_at", "pk"))


def live() -> list[WorkOrder]:
    return list(WorkOrder.objects.filter(data__demo="live").order_by("created_at", "pk"))


# --- The draft alone (no database) ---

PREMISES = [Premise(i, 100 + i % 7, 10 + i % 3, i % 3, ("urban", "rural", "remote")[i % 3]) for i in range(60)]  # fmt: skip


def drafted(seed: int = 2026) -> list:
    return OrderDrafter(seed=seed, until=UNTIL, premises=PREMISES, end=END).draft(2_000)


def test_quotas_split_exactly_by_largest_remainder() -> None:
    assert quotas(29, COMPLAINT_SHARES) == [
        ("supply_quality", 10), ("service", 8), ("business", 8), ("outage", 2), ("grid_construction", 1),
    ]  # fmt: skip
    assert sum(n for _, n in quotas(12_345, COMPLAINT_SHARES)) == 12_345


def test_summer_has_more_repairs_than_spring() -> None:
    months = Counter(
        o.created_at.month for o in drafted() if o.order_type == OrderType.FAULT_REPAIR
    )
    assert min(months[m] for m in (6, 7, 8, 9)) > max(months[m] for m in (3, 4))


def test_storm_days_cluster_repairs_on_their_feeders() -> None:
    drafter = OrderDrafter(seed=2026, until=UNTIL, premises=PREMISES, end=END)
    orders = drafter.draft(2_000)
    assert drafter.storms, "a summer in the window has storm days"
    per_day = Counter(
        o.created_at.astimezone(LOCAL_TZ).date()
        for o in orders
        if o.order_type == OrderType.FAULT_REPAIR
    )
    summer = [d for d in drafter.days if 6 <= d.month <= 9]
    calm = sum(per_day[d] for d in summer if d not in drafter.storms) / len(
        [d for d in summer if d not in drafter.storms]
    )
    stormy = sum(per_day[d] for d in drafter.storms) / len(drafter.storms)
    assert stormy > 2 * calm
    assert any(o.state == OrderState.MERGED and o.parent is not None for o in orders)


def test_repairs_mostly_arrive_within_the_commitment_and_a_few_are_late() -> None:
    repairs = [o for o in drafted() if o.state == OrderState.ARCHIVED and o.order_type == OrderType.FAULT_REPAIR]  # fmt: skip
    late = 0
    for order in repairs:
        arrive = next(e.at for e in order.events if e.kind == EventKind.ARRIVE)
        late += (arrive - order.created_at) > dt.timedelta(minutes=ARRIVAL_LIMIT[order.premise.area_class])  # fmt: skip
    assert 0 < late < 0.1 * len(repairs)


def test_every_history_event_is_in_order_and_before_the_demo_ends() -> None:
    for order in drafted():
        times = [e.at for e in order.events]
        assert times == sorted(times), order
        assert times[-1] <= END
        assert order.events[0].kind == EventKind.CREATED


def test_the_draft_does_not_depend_on_the_hash_seed() -> None:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gridcare.settings');"
        "django.setup(); import tests.demo.test_demo_orders as t;"
        "print([(o.created_at.isoformat(), o.category_code, o.origin, o.premise.account_id, o.state) for o in t.drafted()][::97])"
    )  # fmt: skip
    root = Path(__file__).resolve().parents[2]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code], env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            cwd=root, capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(outputs) == 1


# --- The built demo ---


@pytest.mark.django_db
def test_history_ends_on_the_demos_last_day_and_spans_a_year(built: str) -> None:
    orders = history()
    days = [o.created_at.astimezone(LOCAL_TZ).date() for o in orders]
    assert max(days) == UNTIL
    assert min(days) >= UNTIL - dt.timedelta(days=364)
    assert min(days) <= UNTIL - dt.timedelta(days=330)
    last_event = WorkOrderEvent.objects.filter(order__data__demo="history").latest("at").at
    assert last_event <= END
    assert "work orders" in built


@pytest.mark.django_db
def test_complaint_mix_matches_the_seed_within_three_points(built: str) -> None:
    complaints = [o for o in history() if o.order_type == OrderType.COMPLAINT]
    assert complaints
    groups = Counter(complaint_group(o.category.code) for o in complaints if o.category)
    assert sum(groups.values()) == len(complaints)
    for group, share in COMPLAINT_SHARES:
        assert abs(groups[group] / len(complaints) - share) <= 0.03, (group, groups)


@pytest.mark.django_db
def test_history_is_archived_with_events_ratings_and_channels(built: str) -> None:
    orders = history()
    states = Counter(o.state for o in orders)
    assert states[OrderState.ARCHIVED] > 0.9 * len(orders)
    assert set(states) <= {OrderState.ARCHIVED, OrderState.CANCELLED, OrderState.MERGED}
    origins = Counter(o.origin for o in orders)
    assert origins.most_common(1)[0][0] == "hotline"
    assert len(origins) >= 6
    repair = next(o for o in orders if o.order_type == OrderType.FAULT_REPAIR and o.state == OrderState.ARCHIVED and o.visits.filter(rating__isnull=False).exists())  # fmt: skip
    kinds = list(repair.events.values_list("kind", flat=True))
    assert kinds[:5] == ["created", "dispatch", "take", "arrive", "resolve"]
    assert kinds[-1] == "archive"
    assert repair.number == f"{repair.created_at.astimezone(LOCAL_TZ):%Y%m%d}{repair.pk:08d}"
    assert ReturnVisit.objects.filter(rating__isnull=False).count() > 0.5 * states[OrderState.ARCHIVED] * 0.5  # fmt: skip
    assert WorkOrder.objects.filter(state=OrderState.MERGED, parent__isnull=True).count() == 0


@pytest.mark.django_db
def test_every_open_state_is_present_and_open_orders_are_live(built: str) -> None:
    orders = live()
    states = Counter(o.state for o in orders)
    for state in OPEN:
        assert states[state] >= 1, state
    now = timezone.now()
    assert all(now - o.created_at < dt.timedelta(hours=24) for o in orders)
    # Made by the services: every state change has its event, and the clock was moved there.
    for order in orders:
        events = list(order.events.all())
        assert events[0].kind == "created"
        assert events[-1].to_state in (order.state, "")
        assert [e.at for e in events] == sorted(e.at for e in events)
        # Only lifecycle actions move the version (a risk note or an SLA warning does not).
        assert order.version == sum(1 for e in events if e.kind in lifecycle.ACTIONS)


def _overdue(order: WorkOrder, now: dt.datetime) -> bool:
    """Past its commitment: by its SLA clocks where the SLA rules made some, else by the
    repair commitments (arrival before `arrived`, restoration before `resolved`)."""
    clocks = SlaClock.objects.filter(order=order, stopped_at__isnull=True, paused_at__isnull=True)
    if SlaClock.objects.exists():
        return clocks.filter(deadline_at__lt=now).exists()
    if order.order_type != OrderType.FAULT_REPAIR:
        return False
    events = {e.kind: e.at for e in order.events.all()}
    if order.state in (OrderState.ACCEPTED, OrderState.DISPATCHED, OrderState.TAKEN):
        return now - order.created_at > dt.timedelta(minutes=ARRIVAL_LIMIT[order.area_class])
    if order.state == OrderState.ARRIVED:
        limit = dt.timedelta(minutes=RESTORATION_LIMIT[order.area_class])
        return now - events[EventKind.ARRIVE] > limit
    return False


@pytest.mark.django_db
def test_exactly_one_open_order_is_past_its_commitment(built: str) -> None:
    now = timezone.now()
    overdue = [o for o in WorkOrder.objects.exclude(state__in=["archived", "cancelled", "merged"]) if _overdue(o, now)]  # fmt: skip
    assert [o.title for o in overdue] == [OVERDUE_TITLE]


@pytest.mark.django_db
def test_crew_and_customer_logins_see_their_live_orders(built: str) -> None:
    crew = User.objects.get(username="demo-crew")
    mine = orders_visible_to(crew).filter(data__demo="live")
    assert mine.filter(state=OrderState.TAKEN).exists()
    assert set(mine.values_list("team", flat=True)) == {crew.org_unit_id}
    customer = User.objects.get(username=DEMO_CUSTOMER_MOBILE)
    theirs = orders_visible_to(customer)
    assert theirs.filter(data__demo="live").count() == 1
    assert theirs.filter(data__demo="history").count() >= 2


@pytest.mark.django_db
def test_each_repair_team_serves_its_stations_transformers(built: str) -> None:
    for team in OrgUnit.objects.filter(kind=OrgUnitKind.TEAM, code__endswith="-T1"):
        station = team.parent
        served = set(ServiceArea.objects.filter(team=team).values_list("transformer_id", flat=True))
        assert served == set(Transformer.objects.filter(org_unit=station).values_list("pk", flat=True))  # fmt: skip
    assert not ServiceArea.objects.filter(team__code__endswith="-T2").exists()


def snapshot() -> tuple[list[tuple], list[tuple]]:
    past = [
        (o.created_at, o.order_type, o.category_id and o.category.code, o.origin, o.state,
         o.title, o.account.number if o.account else "", o.events.count())
        for o in history()
    ]  # fmt: skip
    today = [
        (o.order_type, o.state, o.title, o.account.number if o.account else "") for o in live()
    ]
    return past, today


@pytest.mark.django_db
def test_reset_and_rebuild_gives_the_same_orders(built: str) -> None:
    before = snapshot()
    output = run_demo("--reset")
    assert "Deleted the existing demo" in output
    assert snapshot() == before
    drafted = WorkOrder.objects.exclude(origin="system")
    counts = drafted.values("data__demo").annotate(n=Count("pk"))
    assert {row["data__demo"]: row["n"] for row in counts} == {
        "history": len(before[0]),
        "live": len(before[1]),
    }
    # Besides them, the system's repair order of the live feeder trip (demo/outages_live.py).
    system = WorkOrder.objects.get(origin="system")
    assert system.order_type == "fault_repair"
    assert system.source_ref.startswith("outage:TD")


@pytest.mark.django_db
def test_the_demo_is_never_built_in_production(settings: Any) -> None:
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    before = WorkOrder.objects.count()
    with pytest.raises(CommandError, match="GRIDCARE_PRODUCTION"):
        call_command("demo", "--no-serve", "--size", "small")
    assert WorkOrder.objects.count() == before
