"""Portal 用电分析 and console transformer pages, with scope and the charts' data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from gridcare.customers.models import Account
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World

from .conftest import DAY_1, DAY_2, full_days, interval_end, long_csv


def load_readings(tmp_path: Path) -> None:
    # MB0001 draws up to 640 kW: its account is a large business one (the importer rejects
    # readings beyond 4 × its contracted kVA, `metering.vee.over_capacity`).
    Account.objects.filter(number=ACCOUNT_B).update(contracted_capacity_kva=400)
    rows = [
        *full_days("MA0001", [DAY_1, DAY_2], 0.2),
        *full_days("MB0001", [DAY_1, DAY_2], 30.0),  # 120 kW on a 630 kVA transformer
        *[("MB0001", interval_end(DAY_2, slot), "160") for slot in range(72, 80)],  # 2 h at 640 kW
    ]
    call_command("meter", "import", str(long_csv(tmp_path / "r.csv", rows)))


def chart_data(html: str, element_id: str) -> dict:
    start = html.index(">", html.index(f'id="{element_id}"')) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_customer_sees_daily_usage_split_by_time_of_use(
    world: World, client_for, tmp_path: Path
) -> None:
    load_readings(tmp_path)
    html = client_for("alice").get(f"/portal/accounts/{ACCOUNT_A}/usage/").content.decode()
    daily = chart_data(html, "daily-data")
    assert daily["days"] == [DAY_1.strftime("%m-%d"), DAY_2.strftime("%m-%d")]
    per_day = [sum(bucket["values"][i] for bucket in daily["buckets"]) for i in range(2)]
    assert per_day == pytest.approx([19.2, 19.2])  # 96 × 0.2 kWh
    valley = next(b for b in chart_data(html, "tou-data") if b["key"] == "valley")
    assert valley["value"] == 12.8  # 00:00–08:00 = 32 intervals × 0.2 kWh × 2 days


@pytest.mark.parametrize(
    ("language", "years", "load"),
    [("zh-hans", ["今年", "去年"], "负荷（kW）"), ("en", ["This year", "Last year"], "Load (kW)")],
)
def test_chart_series_are_labelled_in_the_readers_language(
    language: str, years: list[str], load: str, world: World, client_for, tmp_path: Path
) -> None:
    load_readings(tmp_path)
    headers = {"accept-language": language}
    usage = client_for("alice").get(f"/portal/accounts/{ACCOUNT_A}/usage/", headers=headers)
    monthly = chart_data(usage.content.decode(), "monthly-data")
    assert [series["label"] for series in monthly["series"]] == years
    assert monthly["series"][0]["values"][-1] == pytest.approx(38.4)  # 2 days × 19.2 kWh
    tou = chart_data(usage.content.decode(), "tou-data")
    assert [b["label"] for b in tou] == ["尖峰", "峰", "平", "谷"]  # the TOU calendar's names
    page = client_for("manager").get(
        f"/console/transformers/TR2/?day={DAY_2.isoformat()}", headers=headers
    )
    assert chart_data(page.content.decode(), "load-data")["label"] == load


def test_customer_cannot_open_another_customers_usage(
    world: World, client_for, tmp_path: Path
) -> None:
    load_readings(tmp_path)
    response = client_for("alice").get(f"/portal/accounts/{ACCOUNT_B}/usage/")
    assert response.status_code == 404


def test_usage_page_without_readings_says_so(world: World, client_for) -> None:
    html = client_for("alice").get(f"/portal/accounts/{ACCOUNT_A}/usage/").content.decode()
    assert 'data-testid="no-usage"' in html


def test_console_ranks_the_overloaded_transformer_first(
    world: World, client_for, tmp_path: Path
) -> None:
    load_readings(tmp_path)
    client = client_for("manager")
    body = client.get(f"/console/transformers/?day={DAY_2.isoformat()}").content.decode()
    first_row = body.split('data-testid="transformer-row"')[1]
    assert "TR2" in first_row
    assert "113%" in first_row  # 640 kW / (630 kVA × 0.9)


def test_transformer_page_shows_curve_and_overload_event(
    world: World, client_for, tmp_path: Path
) -> None:
    load_readings(tmp_path)
    body = (
        client_for("manager")
        .get(f"/console/transformers/TR2/?day={DAY_2.isoformat()}")
        .content.decode()
    )
    curve = chart_data(body, "load-data")
    assert len(curve["times"]) == 96
    assert max(curve["kw"]) == 640.0
    assert body.count('data-testid="load-event"') == 2  # heavy and overload, 2 h each


def test_agent_of_another_station_cannot_see_the_transformer(
    world: World, client_for, tmp_path: Path
) -> None:
    load_readings(tmp_path)
    assert client_for("agent_s1").get("/console/transformers/TR2/").status_code == 404
    body = (
        client_for("agent_s1")
        .get(f"/console/transformers/?day={DAY_2.isoformat()}")
        .content.decode()
    )
    assert "TR2" not in body.split("<main")[1]
    assert "TR1" in body


def test_customers_are_sent_away_from_the_transformer_pages(world: World, client_for) -> None:
    response = client_for("alice").get("/console/transformers/")
    assert response.status_code == 302
