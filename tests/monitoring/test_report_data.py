"""The monthly report's content on a small set of facts (report_support.py), each figure
computed by hand there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import translation

from gridcare.monitoring.services.report_data import report_monthly_data
from gridcare.monitoring.services.report_model import NOT_AVAILABLE, MonthlyReport, Table
from gridcare.testing.personas import World
from tests.monitoring.report_support import MONTH, fact, november_facts


def table(report: MonthlyReport, key: str) -> Table:
    return next(t for s in report.sections for t in s.tables if t.key == key)


def rows_by_first(t: Table) -> dict[str, list[object]]:
    return {str(row[0]): row[1:] for row in t.rows}


@pytest.fixture
def report(world: World) -> MonthlyReport:
    november_facts(world)
    with translation.override("en"):
        return report_monthly_data(month=MONTH, org_unit=None)


def test_headline_compares_with_the_previous_month_and_leaves_out_a_year_without_facts(
    report: MonthlyReport,
) -> None:
    headline = table(report, "headline")
    assert [c.label for c in headline.columns][2:] == ["This month", "Previous month"]
    rows = rows_by_first(headline)
    assert rows["Contacts"][1:] == [100.0, 50.0]
    assert rows["Complaints"][1:] == [6.0, 0.0]
    # 6 complaints / 6,000 customers × 10,000; October has no customers fact: no data.
    assert rows["Complaints per 10,000 customers"][1:] == [10.0, None]
    assert rows["SLA compliance"][1] == pytest.approx(100 * 12 / 14)
    assert rows["Satisfaction (CSAT)"][1] == 75.0
    assert rows["Repair arrival time"][1] == 60.0  # 180 minutes / 3 repairs
    assert rows["Business-hall waiting time"][1] == 10.0  # 2,400 s / 4 visits, in minutes
    assert rows["First-contact resolution"][1] is None
    assert headline.text_at(list(rows).index("First-contact resolution"), 2) == "—"


def test_the_same_month_last_year_appears_once_it_has_facts(world: World) -> None:
    november_facts(world)
    fact(dt.date(2025, 11, 10), "contacts", world.station_1, channel="hotline", n=80)
    with translation.override("en"):
        report = report_monthly_data(month=MONTH, org_unit=None)
    headline = table(report, "headline")
    assert headline.columns[-1].label == "Same month last year"
    assert rows_by_first(headline)["Contacts"][1:] == [100.0, 50.0, 80.0]


def test_contacts_by_channel_and_the_online_share(report: MonthlyReport) -> None:
    channels = table(report, "contacts_by_channel")
    assert channels.rows == [
        ["95598 hotline", 60, 60.0],
        ["WeChat", 30, 30.0],
        ["Portal", 10, 10.0],
    ]
    split = rows_by_first(table(report, "online_offline"))
    assert split["Online contacts"] == [40]
    assert split["Offline contacts"] == [60]
    assert split["Online share of contacts"] == [40.0]
    assert split["Online application share"] == [75.0]


def test_complaint_structure_groups_leaf_codes_under_their_level_one_category(
    report: MonthlyReport,
) -> None:
    by_category = table(report, "complaints_by_category")
    # The taxonomy's order: supply quality before service.
    assert by_category.rows == [["Supply quality", 3, 50.0], ["Service conduct", 3, 50.0]]
    by_sub = table(report, "complaints_by_subcategory")
    assert by_sub.rows == [
        ["Service conduct", "Attitude", 3, 50.0],
        ["Supply quality", "Frequent outages", 2, pytest.approx(100 / 3)],
        ["Supply quality", "Prolonged abnormal voltage", 1, pytest.approx(100 / 6)],
    ]


def test_sla_by_commitment_and_order_type_and_repairs_by_area(report: MonthlyReport) -> None:
    assert table(report, "sla").rows == [
        ["Complaint reply", "Complaint", 9, 10, 90.0],
        ["Repair arrival", "Fault repair", 3, 4, 75.0],
    ]
    assert table(report, "repairs").rows == [
        ["Urban", 40.0, None, None],
        ["Rural", 100.0, None, None],
    ]


def test_satisfaction_payments_assistant_and_notifications(report: MonthlyReport) -> None:
    assert rows_by_first(table(report, "csat_by_unit")) == {
        "石牌供电所": [10, 80.0],
        "棠下供电所": [2, 50.0],
    }
    assert table(report, "payments").rows == [
        ["WeChat Pay", 3, 75.0, 300.0],
        ["Cash at the counter", 1, 25.0, 50.0],
    ]
    handoffs = table(report, "assistant_handoffs")
    assert handoffs.rows[0][:2] == ["Customer asked for an agent", 2]
    assert table(report, "notify").rows == [["SMS", 10, 9, 90.0]]


def test_the_unit_table_adds_up_each_stations_subtree(report: MonthlyReport) -> None:
    units = rows_by_first(table(report, "units"))
    # contacts, orders, complaints, per 10k, SLA, CSAT, arrival; S1 includes team T1's 2.
    assert units["石牌供电所"] == [90.0, 0.0, 5.0, 12.5, 90.0, 80.0, 40.0]
    assert units["棠下供电所"] == [10.0, 0.0, 1.0, 5.0, 75.0, 50.0, 100.0]


def test_a_stations_report_covers_its_subtree_and_lists_its_teams(world: World) -> None:
    november_facts(world)
    with translation.override("en"):
        report = report_monthly_data(month=MONTH, org_unit=world.station_1)
    assert report.org_code == "S1"
    assert rows_by_first(table(report, "headline"))["Complaints"][1] == 5.0
    assert rows_by_first(table(report, "units")) == {
        "石牌抢修班": [0.0, 0.0, 2.0, None, None, None, None]
    }


def test_reliability_comes_from_the_outages_report(report: MonthlyReport) -> None:
    reliability = rows_by_first(table(report, "reliability"))
    # Three accounts with meters, no interruption in November.
    assert reliability["Customers served"] == [3]
    assert reliability["Customer interruptions"] == [0]
    assert reliability["SAIFI"] == [0.0]
    assert reliability["CAIDI (minutes)"] == [None]


def test_a_kpi_whose_app_is_not_installed_reads_not_available(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    november_facts(world)
    installed = apps.is_installed
    monkeypatch.setattr(
        apps, "is_installed", lambda name: name != "gridcare.assistant" and installed(name)
    )
    with translation.override("en"):
        report = report_monthly_data(month=MONTH, org_unit=None)
        headline = table(report, "headline")
        row = list(rows_by_first(headline)).index("Assistant containment")
        assert headline.rows[row][2] is NOT_AVAILABLE
        assert headline.text_at(row, 2) == "not available"
    # The default language reads it in Chinese.
    assert headline.text_at(row, 2) == "暂未接入"
    assert table(report, "assistant_handoffs").rows == []
    assert "not available" in table(report, "assistant_handoffs").note


def test_the_same_facts_give_the_same_report(world: World) -> None:
    november_facts(world)
    first = report_monthly_data(month=MONTH, org_unit=None)
    again = report_monthly_data(month=dt.date(2026, 11, 17), org_unit=None)
    assert first == again
