"""`gridcare demo`: a small deterministic county utility, built once, found again, rebuilt alike.

青溪县供电局 ─ 3 供电所 ─ 2 班组 each;  2 × 110 kV substations ─ 12 × 10 kV feeders ─ 台区 ─ meters
"""

from __future__ import annotations

import argparse
import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from gridcare.core.choices import OrgUnitKind, Role
from gridcare.core.models import AuditLog, OrgUnit, User
from gridcare.core.validators import normalize_id_number, normalize_mobile
from gridcare.customers.models import Account, AccountBinding, Customer, Interaction
from gridcare.demo.account_draft import draft_demo
from gridcare.demo.generator import demo_bureau, demo_counts
from gridcare.demo.plan import (
    DEMO_CUSTOMER_MOBILE,
    DEMO_PASSWORD,
    STAFF_LOGINS,
    DemoPlan,
    parse_size,
)
from gridcare.demo.readings import DemoMeter, demo_days, demo_readings, same_month_last_year
from gridcare.grid.models import Meter, Transformer
from gridcare.metering.choices import ImportSource
from gridcare.metering.models import ImportBatch, TransformerDay
from gridcare.metering.selectors import transformer_day_range
from gridcare.metering.usage import account_usage
from gridcare.service.models import WorkOrder

SMALL = DemoPlan(factor=parse_size("small"))


@pytest.fixture(autouse=True)
def _quick_static_files(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The command runs collectstatic; compressing the vendored front-end bundles into the
    # shared var/ folder would take seconds, so tests collect the app assets into tmp_path.
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = []
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def run_demo(*args: str) -> str:
    out = StringIO()
    # Billing has its own test (test_demo_billing.py); a year of bills per build would make
    # each of these tests minutes long.
    call_command(
        "demo",
        "--size",
        "small",
        "--no-serve",
        "--days",
        "0",
        "--bill-months",
        "0",
        *args,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def demo_output(db: None) -> str:
    """What the first `gridcare demo --size small --no-serve` printed."""
    return run_demo()


def built_counts() -> dict[str, int]:
    bureau = demo_bureau()
    assert bureau is not None, "the demo bureau exists"
    return demo_counts(bureau)


def api_login(client: Client, username: str) -> None:
    response = client.post(
        "/api/v1/auth/login",
        {"username": username, "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


# --- Sizes (no database) ---


@pytest.mark.parametrize(
    ("value", "factor"), [("small", 0.1), ("default", 1.0), ("2", 2.0), ("0.5", 0.5)]
)
def test_size_accepts_names_and_factors(value: str, factor: float) -> None:
    assert parse_size(value) == factor


@pytest.mark.parametrize("value", ["huge", "0", "-1", "100"])
def test_size_rejects_unknown_names_and_out_of_range_factors(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_size(value)


def test_default_size_is_a_county_of_twelve_thousand_accounts() -> None:
    plan = DemoPlan()
    assert (plan.accounts, plan.transformers, plan.meters) == (12_000, 240, 12_240)
    assert plan.residential > 0.8 * plan.accounts
    assert sum(plan.tariff_counts().values()) == plan.accounts


def test_same_seed_drafts_the_same_data_and_another_seed_does_not() -> None:
    first, again = draft_demo(SMALL), draft_demo(SMALL)
    other = draft_demo(DemoPlan(seed=SMALL.seed + 1, factor=SMALL.factor))
    assert first.customers[1] == again.customers[1]
    assert first.accounts == again.accounts
    assert first.customers[1].name != other.customers[1].name


# --- The built demo ---


@pytest.mark.django_db
def test_demo_has_the_planned_counts_per_level_and_tariff_class(demo_output: str) -> None:
    counts = built_counts()
    assert counts["substations"] == 2
    assert counts["feeders"] == 12
    assert counts["transformers"] == SMALL.transformers
    assert counts["accounts"] == SMALL.accounts
    assert counts["customers"] == SMALL.customers
    assert counts["meters"] == SMALL.meters
    assert counts["transformer_total_meters"] == SMALL.transformers
    for tariff_class, expected in SMALL.tariff_counts().items():
        assert counts[f"accounts.{tariff_class}"] == expected
    kinds = dict(OrgUnit.objects.values_list("kind").annotate(n=Count("pk")))
    assert kinds == {OrgUnitKind.BUREAU: 1, OrgUnitKind.STATION: 3, OrgUnitKind.TEAM: 6}
    assert counts["consent_records"] > 0
    assert counts["wechat_identities"] > 0
    assert "13800138000" in demo_output


@pytest.mark.django_db
def test_account_numbers_are_13_digits_and_unique(demo_output: str) -> None:
    numbers = list(Account.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == SMALL.accounts
    assert all(len(number) == 13 and number.isdigit() for number in numbers)


@pytest.mark.django_db
def test_every_meter_is_cached_under_its_transformers_feeder_and_substation(
    demo_output: str,
) -> None:
    meters = Meter.objects.all()
    assert meters.count() == SMALL.meters
    assert not meters.exclude(feeder=F("transformer__feeder")).exists()
    assert not meters.exclude(substation=F("transformer__feeder__substation")).exists()
    # One meter per account, under a transformer of the account's own station.
    linked = Account.objects.filter(meter_links__meter__transformer__org_unit=F("supply_unit"))
    assert linked.count() == SMALL.accounts
    totals = Transformer.objects.filter(meters__is_transformer_total=True).distinct()
    assert totals.count() == SMALL.transformers


@pytest.mark.django_db
def test_personal_data_is_valid_and_the_id_number_is_stored_encrypted(demo_output: str) -> None:
    people = Customer.objects.exclude(id_number="")
    assert people.count() > SMALL.accounts // 2
    for customer in people[:200]:
        assert normalize_id_number(customer.id_number) == customer.id_number
        assert normalize_mobile(customer.mobile) == customer.mobile
    person = people.first()
    assert person is not None
    with connection.cursor() as cursor:
        table = Customer._meta.db_table
        cursor.execute(f"SELECT id_number FROM {table} WHERE id = %s", [person.pk])
        (stored,) = cursor.fetchone()
    assert person.id_number not in stored


@pytest.mark.django_db
def test_every_role_has_a_user_who_can_log_in(demo_output: str) -> None:
    usernames = {login.role: login.username for login in STAFF_LOGINS}
    usernames[Role.CUSTOMER] = DEMO_CUSTOMER_MOBILE
    assert set(usernames) == set(Role)
    for role, username in usernames.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        client = Client()
        assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD)
    dispatcher = User.objects.select_related("org_unit").get(username="demo-dispatcher")
    assert dispatcher.org_unit is not None
    assert dispatcher.org_unit.kind == OrgUnitKind.TEAM
    assert User.objects.get(username="demo-admin").is_superuser


@pytest.mark.django_db
def test_demo_customer_sees_exactly_the_bound_accounts(demo_output: str) -> None:
    same_mobile = Account.objects.filter(registered_mobile=DEMO_CUSTOMER_MOBILE)
    bound = AccountBinding.objects.filter(user__username=DEMO_CUSTOMER_MOBILE)
    bound_numbers = sorted(bound.values_list("account__number", flat=True))
    assert len(bound_numbers) == 2
    assert same_mobile.exclude(number__in=bound_numbers).exists(), "one is left to bind"
    client = Client()
    api_login(client, DEMO_CUSTOMER_MOBILE)
    response = client.get("/api/v1/accounts")
    assert response.status_code == 200, response.content
    assert [item["number"] for item in response.json()["items"]] == bound_numbers


def test_demo_customer_has_a_timeline_and_a_portal_message(demo_output: str) -> None:
    from gridcare.customers.models import Interaction
    from gridcare.notify.models import Notification

    customer = Customer.objects.get(user__username=DEMO_CUSTOMER_MOBILE)
    channels = set(Interaction.objects.filter(customer=customer).values_list("channel", flat=True))
    assert channels == {"counter", "hotline", "wechat", "portal", "chatbot"}
    notice = Notification.objects.get(customer=customer, channel="portal")
    assert notice.status == "sent"
    assert notice.read_at is None


@pytest.mark.django_db
def test_running_again_builds_nothing_and_prints_the_logins(demo_output: str) -> None:
    before = built_counts()
    output = run_demo()
    assert built_counts() == before
    assert "already exists" in output
    assert "demo-admin" in output
    assert AuditLog.objects.filter(action="demo.build").count() == 1


@pytest.mark.django_db
def test_another_size_keeps_the_existing_demo_and_says_so(demo_output: str) -> None:
    out = StringIO()
    call_command("demo", "--size", "0.2", "--no-serve", "--days", "0", stdout=out)
    assert "Keeping the existing demo" in out.getvalue()
    assert Account.objects.count() == SMALL.accounts


@pytest.mark.django_db
def test_reset_and_rebuild_with_the_same_seed_gives_the_same_data(demo_output: str) -> None:
    def first_name_and_number() -> tuple[str, str]:
        customer = Customer.objects.order_by("pk").first()
        account = Account.objects.order_by("pk").first()
        assert customer is not None
        assert account is not None
        return customer.name, account.number

    before = first_name_and_number()
    output = run_demo("--reset")
    assert "Deleted the existing demo" in output
    assert first_name_and_number() == before
    assert Account.objects.count() == SMALL.accounts


# --- Meter readings: they end yesterday (or on --until), with last year's month ---

UNTIL = dt.date(2026, 11, 22)
METERS = [
    DemoMeter("M1", "T1", "residential", False, 1.0),
    DemoMeter("M2", "T1", "general_commercial", False, 1.0),
    DemoMeter("M3", "T2", "residential", False, 1.0),
    DemoMeter("T1-TOTAL", "T1", "residential", True, 1.0),
]
RATED = {"T1": 50.0, "T2": 30.0}


def generated(seed: int, days: list[dt.date], **kwargs: Any) -> dict[dt.date, list[dict]]:
    readings = demo_readings(METERS, RATED, seed=seed, days=days, **kwargs)
    return {day: table.to_pylist() for day, table in readings}


def test_a_days_readings_depend_only_on_the_seed_and_the_day() -> None:
    window = generated(7, demo_days(until=UNTIL, days=3))
    assert list(window) == [dt.date(2026, 11, 20), dt.date(2026, 11, 21), UNTIL]
    assert generated(7, demo_days(until=UNTIL, days=3)) == window
    later = generated(7, demo_days(until=UNTIL + dt.timedelta(days=1), days=3))
    assert later[UNTIL] == window[UNTIL]
    assert generated(8, [UNTIL])[UNTIL] != window[UNTIL]
    # Keeping only one 台区's meters keeps their values as they were.
    only_t1 = generated(7, [UNTIL], transformers={"T1"})[UNTIL]
    assert only_t1 == [row for row in window[UNTIL] if row["meter"] != "M3"]


def test_same_month_last_year_is_the_whole_calendar_month() -> None:
    december = same_month_last_year(dt.date(2026, 12, 5))
    assert (december[0], december[-1], len(december)) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
        31,
    )
    assert len(same_month_last_year(dt.date(2025, 2, 10))) == 29  # 2024 was a leap year


@pytest.fixture
def warehouse(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"
    return settings.WAREHOUSE_ROOT


def demo_account() -> Account:
    account = Account.objects.filter(bindings__user__username=DEMO_CUSTOMER_MOBILE).first()
    assert account is not None
    return account


def snapshot() -> tuple[list[tuple], list[float], list[tuple]]:
    """The 台区 statistics, the demo customer's daily usage and contact dates."""
    days = list(
        TransformerDay.objects.order_by("transformer__code", "day").values_list(
            "transformer__code", "day", "peak_kw", "completeness"
        )
    )
    usage = account_usage(account=demo_account(), today=timezone.localdate())
    daily = [v for values in usage.daily_kwh.values() for v in values]
    contacts = list(past_contacts().order_by("occurred_at").values_list("channel", "occurred_at"))
    return days, daily, contacts


def past_contacts() -> QuerySet[Interaction]:
    """The timeline without today's open work orders (accepted live, minutes or hours
    before the build, so that their SLA clocks run: tests/demo/test_demo_orders.py)."""
    live = WorkOrder.objects.filter(data__demo="live").values_list("number", flat=True)
    return Interaction.objects.exclude(external_id__in=[f"work-order:{n}" for n in live])


@pytest.mark.django_db
def test_data_ends_yesterday_and_holds_the_same_month_last_year(warehouse: Path) -> None:
    output = run_demo("--days", "2")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    last_year = dt.date(yesterday.year - 1, yesterday.month, 1)
    assert transformer_day_range() == (last_year, yesterday)
    assert f"{yesterday - dt.timedelta(days=1)} – {yesterday}" in output
    usage = account_usage(account=demo_account(), today=timezone.localdate())
    assert usage.days[-1] == yesterday
    assert len(usage.days) == 2, "last year's days are not among the recent ones"
    assert usage.same_month_last_year_kwh is not None
    assert usage.same_month_last_year_kwh > 0
    newest = past_contacts().order_by("-occurred_at").first()
    assert newest is not None
    assert timezone.localtime(newest.occurred_at).date() == yesterday


@pytest.mark.django_db
def test_until_builds_the_same_data_again_and_a_rerun_adds_the_days_since(
    settings, tmp_path: Path
) -> None:
    settings.WAREHOUSE_ROOT = tmp_path / "first"
    run_demo("--days", "2", "--until", UNTIL.isoformat())
    first = snapshot()
    assert {day for _code, day, *_ in first[0]} == {
        *same_month_last_year(UNTIL),
        dt.date(2026, 11, 21),
        UNTIL,
    }
    assert max(at for _channel, at in first[2]).date() == UNTIL
    # Rebuilt from scratch, in a warehouse of its own: the same values.
    settings.WAREHOUSE_ROOT = tmp_path / "second"
    run_demo("--reset", "--days", "2", "--until", UNTIL.isoformat())
    assert snapshot() == first
    # Two days later, a rerun imports those two days only.
    later = UNTIL + dt.timedelta(days=2)
    run_demo("--days", "2", "--until", later.isoformat())
    newest = ImportBatch.objects.filter(source=ImportSource.DEMO).order_by("-started_at")[0]
    assert newest.report["days"] == ["2026-11-23", "2026-11-24"]


@pytest.mark.parametrize("until", ["today", "2026-13-01"])
@pytest.mark.django_db
def test_until_must_be_a_past_day(until: str) -> None:
    value = timezone.localdate().isoformat() if until == "today" else until
    with pytest.raises(CommandError, match="until must be"):
        run_demo("--until", value)
