"""电费试算: a month's usage priced on a tariff as a bill is, and every bad value a 400."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gridcare.testing.personas import World
from tests.portal.test_billing_pages import text

QUOTE = "/portal/billing/quote/"


def quote(client: Client, **params: str) -> tuple[int, str]:
    response = client.get(QUOTE, params)
    return response.status_code, text(response.content.decode())


def test_the_calculator_opens_empty_on_this_month(world: World, client_for) -> None:
    response = client_for("alice").get(QUOTE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="quote-result"' not in html
    assert 'value="GZ-RES-TIER"' in html
    assert 'value="TWO-PART-35KV"' in html


def test_a_tiered_month_is_priced_and_explained(world: World, client_for) -> None:
    status, page = quote(
        client_for("alice"), tariff="GZ-RES-TIER", month="2026-11", mode="total", kwh="450"
    )
    assert status == 200
    assert "试算电费 ¥289.98" in page
    assert "第三档电量 50 度 × 0.88886875 元 ¥44.44" in page
    assert "超过 400 度的 50 度按第三档" in page


def test_a_summer_month_uses_the_summer_thresholds(world: World, client_for) -> None:
    _status, page = quote(
        client_for("alice"), tariff="GZ-RES-TIER", month="2026-07", mode="total", kwh="450"
    )
    assert "前 260 度按第一档" in page
    assert "超过 260 度的 190 度按第二档" in page


def test_time_of_use_needs_the_periods_and_prices_them(world: World, client_for) -> None:
    client = client_for("alice")
    status, page = quote(client, tariff="GZ-RES-TOU", month="2026-11", mode="total", kwh="450")
    assert status == 400
    assert "该电价按分时计价：请填写峰、平、谷电量" in page
    status, page = quote(
        client,
        tariff="GZ-RES-TOU",
        month="2026-11",
        mode="tou",
        peak="120",
        flat="200",
        valley="130",
    )
    assert status == 200
    assert "试算电费 ¥297.54" in page
    assert "谷时段 00:00–08:00 用电 130 度，每度 0.2988 元" in page


def test_commercial_tou_shows_the_critical_peak_and_the_funds(world: World, client_for) -> None:
    _status, page = quote(
        client_for("alice"),
        tariff="GD-CI-TOU-1KV",
        month="2026-08",
        mode="tou",
        sharp="100",
        peak="300",
        flat="400",
        valley="200",
    )
    assert "尖峰电量 100 度 × 1.4291 元 ¥142.91" in page
    assert "尖峰时段 11:00–12:00、15:00–17:00 用电 100 度" in page
    assert "可再生能源电价附加 1,000 度 × 0.019 元 ¥19.00" in page


def test_a_two_part_tariff_prices_the_basic_charge_from_the_maximum_demand(
    world: World, client_for
) -> None:
    client = client_for("alice")
    params = {
        "tariff": "TWO-PART-35KV",
        "month": "2026-11",
        "mode": "tou",
        "peak": "0",
        "flat": "10000",
        "valley": "0",
    }
    status, page = quote(client, **params, max_demand_kw="100")
    assert status == 200
    assert "基本电费（按实际最大需量） 100 千瓦·月 × 40.80 元 ¥4,080.00" in page
    status, without = quote(client, **params)
    assert status == 400
    assert "两部制电价需要填写最大需量（千瓦）或容量（千伏安）" in without


def test_a_month_before_the_tariff_existed_is_a_400(world: World, client_for) -> None:
    status, page = quote(
        client_for("alice"),
        tariff="GZ-RES-TOU",
        month="2020-01",
        mode="tou",
        peak="1",
        flat="10",
        valley="1",
    )
    assert status == 400
    assert "该电价在所选月份没有执行中的价格" in page


@pytest.mark.parametrize(
    "params",
    [
        {"tariff": "NOPE", "month": "2026-11", "mode": "total", "kwh": "1"},
        {"tariff": "GZ-RES-TIER", "month": "2026-13", "mode": "total", "kwh": "1"},
        {"tariff": "GZ-RES-TIER", "month": "1999-12", "mode": "total", "kwh": "1"},
        {"tariff": "GZ-RES-TIER", "month": "abc", "mode": "total", "kwh": "1"},
        {"tariff": "GZ-RES-TIER", "month": "2026-11", "mode": "total", "kwh": "-1"},
        {"tariff": "GZ-RES-TIER", "month": "2026-11", "mode": "total", "kwh": "1e40"},
        {"tariff": "GZ-RES-TIER", "month": "2026-11", "mode": "total", "kwh": "NaN"},
        {"tariff": "GZ-RES-TIER", "month": "2026-11", "mode": "total", "kwh": ""},
        {"tariff": "GZ-RES-TIER", "month": "2026-11", "mode": "sideways", "kwh": "1"},
        {"tariff": "GD-CI-TOU-1KV", "month": "2026-11", "mode": "tou"},
        {"tariff": "GD-CI-TOU-1KV", "month": "2026-11", "mode": "tou", "peak": "1", "flat": "1"},
        {
            "tariff": "GZ-RES-TIER",
            "month": "2026-11",
            "mode": "total",
            "kwh": "1",
            "max_demand_kw": "-3",
        },
    ],
)
def test_bad_values_are_a_400_with_the_form_again(world: World, client_for, params: dict) -> None:
    response = client_for("alice").get(QUOTE, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="billing.quote.invalid"' in html
    assert re.search(r'class="(invalid-feedback|text-danger small|alert alert-danger py-2)"', html)
    assert 'data-testid="quote-result"' not in html
