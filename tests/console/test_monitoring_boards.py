"""The monitoring dashboards in the console: every board × every persona (200 / 403),
unknown board and foreign org unit (404), bad dates (400 with a code), the drill-down links
from bureau to station to team to the orders, and the orders list's drill-down filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.core.choices import OrgUnitKind
from gridcare.core.services import org_unit_create
from gridcare.service.models import Category
from gridcare.service.services import OrderDraft, order_create
from gridcare.testing.personas import ACCOUNT_A, World
from tests.console.test_hostile_query_values import _sweep
from tests.monitoring.boards_factory import built, fact

STAFF = ["agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]
READERS = {"analyst", "manager", "admin"}
BOARDS = [
    "/console/monitoring/",
    "/console/monitoring/complaints/",
    "/console/monitoring/sla/",
    "/console/monitoring/satisfaction/",
    "/console/monitoring/channels/",
    "/console/monitoring/reliability/",
]


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


@pytest.mark.parametrize("path", BOARDS)
def test_anonymous_visitors_are_sent_to_the_staff_login(world: World, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize("path", BOARDS)
def test_a_customer_is_sent_back_to_the_portal(world: World, client_for, path: str) -> None:
    response = client_for("alice").get(path)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize("persona", STAFF)
@pytest.mark.parametrize("path", BOARDS)
def test_each_board_answers_each_role_with_200_or_403(
    world: World, client_for, persona: str, path: str
) -> None:
    expected = 200 if persona in READERS else 403
    assert client_for(persona).get(path).status_code == expected


def test_an_unknown_board_is_not_found(world: World, client_for) -> None:
    assert client_for("analyst").get("/console/monitoring/nonsense/").status_code == 404


@pytest.mark.parametrize("path", BOARDS)
def test_an_org_unit_outside_the_scope_is_not_found(world: World, client_for, path: str) -> None:
    org_unit_create(actor=None, code="B9", name="越秀供电局", kind=OrgUnitKind.BUREAU)
    client = client_for("manager")
    assert client.get(path, {"org": "B9"}).status_code == 404
    assert client.get(path, {"org": "NOPE"}).status_code == 404
    assert client.get(path, {"org": "S2"}).status_code == 200


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2026-03-10", "to": "2026-03-01"}, "monitoring.period.reversed"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "monitoring.period.too_long"),
        ({"from": "2026-01-01", "to": "2099-01-01"}, "monitoring.period.future"),
        ({"from": "2026-02-30"}, "request.param.not_a_date"),
        ({"to": "abc"}, "request.param.not_a_date"),
    ],
)
def test_bad_dates_are_a_400_with_a_code_and_a_chinese_message(
    world: World, client_for, query: dict[str, str], code: str
) -> None:
    response = client_for("analyst").get("/console/monitoring/sla/", query)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'data-code="{code}"' in page
    assert any("\u4e00" <= ch <= "\u9fff" for ch in page)


def test_the_default_period_is_the_last_30_days_ending_yesterday(world: World, client_for) -> None:
    page = client_for("analyst").get("/console/monitoring/").content.decode()
    end = yesterday()
    assert f'value="{end.isoformat()}"' in page
    assert f'value="{(end - dt.timedelta(days=29)).isoformat()}"' in page


def test_the_overview_drills_from_bureau_to_station_to_team_to_orders(
    world: World, client_for
) -> None:
    day = yesterday()
    fact("orders", world.team_1, day, n=4, channel="web", key="fault_repair")
    fact("orders", world.station_2, day, n=2, channel="hotline", key="complaint")
    built(day)
    client = client_for("manager")
    bureau = client.get("/console/monitoring/").content.decode()
    assert "?from=" in bureau
    assert "org=S1" in bureau
    assert "org=S2" in bureau
    assert 'data-kind="orders"' not in bureau
    station = client.get("/console/monitoring/", {"org": "S1"}).content.decode()
    assert "org=T1" in station
    assert 'data-kind="orders" ' not in station or "unit=T1" in station
    assert 'data-testid="board-unit" data-code="S1"' in station
    team = client.get("/console/monitoring/", {"org": "T1"}).content.decode()
    assert 'data-testid="drill-orders"' in team
    assert "/console/orders/?unit=T1&amp;from=" in team


def test_the_complaint_board_links_each_category_to_its_complaints(
    world: World, client_for
) -> None:
    leaf = Category.objects.filter(order_type="complaint", parent__isnull=False).first()
    assert leaf is not None
    assert leaf.parent is not None
    fact("complaints", world.team_1, yesterday(), n=3, channel="web", key=leaf.code)
    page = client_for("analyst").get("/console/monitoring/complaints/").content.decode()
    assert f'data-code="{leaf.parent.code}"' in page
    assert f"category={leaf.parent.code}" in page
    assert "type=complaint" in page


def test_a_kpi_without_its_app_reads_not_available_and_a_ratio_without_data_a_dash(
    world: World, client_for, settings
) -> None:
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "gridcare.assistant"]
    page = client_for("analyst").get("/console/monitoring/").content.decode()
    containment = page.split('data-testid="kpi-bot_containment"')[1].split("</div>")[1]
    assert 'data-state="not-available"' in containment
    fcr = page.split('data-testid="kpi-fcr"')[1].split("</div>")[1]
    assert 'data-state="no-data"' in fcr


def _order(world: World, *, category: Category | None = None) -> str:
    draft = OrderDraft(
        order_type="complaint" if category else "fault_repair",
        origin="web",
        title="测试",
        account_number=ACCOUNT_A,
        category_code=category.code if category else "",
    )
    return order_create(actor=world.users["agent_s1"], draft=draft).number


def test_the_order_list_filters_by_unit_and_category_for_the_drill_down(
    world: World, client_for
) -> None:
    leaf = Category.objects.filter(order_type="complaint", parent__isnull=False).first()
    assert leaf is not None
    assert leaf.parent is not None
    complaint = _order(world, category=leaf)
    repair = _order(world)
    client = client_for("manager")
    by_category = client.get("/console/orders/", {"category": leaf.parent.code}).content.decode()
    assert complaint in by_category
    assert repair not in by_category
    by_station = client.get("/console/orders/", {"unit": "S1"}).content.decode()
    assert complaint in by_station
    assert repair in by_station
    assert repair not in client.get("/console/orders/", {"unit": "S2"}).content.decode()
    assert client.get("/console/orders/", {"unit": "NOPE"}).status_code == 404
    assert client_for("agent_s2").get("/console/orders/", {"unit": "S1"}).status_code == 404


def test_board_pages_never_fail_on_hostile_query_values(world: World, client_for) -> None:
    pages = {path: ["from", "to", "org"] for path in BOARDS}
    pages["/console/orders/"] = ["unit", "category"]
    assert _sweep(client_for("admin"), pages, {}) == []
