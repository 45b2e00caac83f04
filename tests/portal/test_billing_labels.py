"""Bill line labels and the plain-language explanation (billing.labels), without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from gridcare.billing.engine.tariff import Context, Period, parse_spec, price_month
from gridcare.billing.labels import explain, format_yuan, line_label, tou_windows
from gridcare.billing.presets import preset_spec
from gridcare.metering.engine.tou import GUANGDONG_TOU


def line(item: str, quantity: str, price: str) -> SimpleNamespace:
    return SimpleNamespace(item=item, quantity=Decimal(quantity), unit_price=Decimal(price))


@pytest.fixture(autouse=True)
def _chinese():  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"):
        yield


def test_usage_within_the_first_tier_is_all_at_its_price() -> None:
    [paragraph] = explain(lines=[line("energy.tier1", "150", "0.5889")], total_kwh=Decimal(150))
    assert paragraph.title == "阶梯电价"
    assert paragraph.text == "本月用电 150 度：全部按第一档 0.5889 元/度。"


def test_usage_ending_in_the_second_tier_says_above_the_threshold() -> None:
    lines = [line("energy.tier1", "200", "0.5889"), line("energy.tier2", "100", "0.6389")]
    [paragraph] = explain(lines=lines, total_kwh=Decimal(300))
    assert paragraph.text == (
        "本月用电 300 度：前 200 度按第一档 0.5889 元/度，超过 200 度的 100 度按第二档 0.6389 元/度。"
    )


def test_an_annual_ladder_crossing_its_threshold_mid_month_reads_as_this_months_kwh() -> None:
    # 2,700 kWh already this year, 100 this month, threshold 2,760: 60 in tier 1, 40 in tier 2.
    spec = parse_spec(preset_spec("RES-TIER-ANNUAL"))
    month = dt.date(2026, 11, 1)
    lines = price_month(
        month=month,
        periods=[Period(month, dt.date(2026, 11, 30), spec, {"flat": Decimal(100)})],
        context=Context(year_to_date_kwh=Decimal(2700)),
    )
    [paragraph] = explain(lines=lines, total_kwh=Decimal(100))
    assert "前 60 度按第一档" in paragraph.text
    assert "超过 60 度的 40 度按第二档" in paragraph.text


def test_lines_out_of_tier_order_get_no_tier_sentence() -> None:
    lines = [line("energy.tier2", "10", "0.6"), line("energy.tier1", "10", "0.5")]
    assert explain(lines=lines, total_kwh=Decimal(20)) == []


def test_a_single_price_bill_needs_no_explanation() -> None:
    assert explain(lines=[line("energy.all", "100", "0.6259")], total_kwh=Decimal(100)) == []


def test_funds_are_labelled_by_their_stored_name_and_unknown_items_as_stored() -> None:
    assert line_label("fund.renewable", "可再生能源电价附加") == "可再生能源电价附加"
    assert line_label("energy.tier2") == "第二档电量"
    assert line_label("ladder.tier3") == "第三档阶梯加价"
    assert line_label("energy.peak") == "峰段电量"
    assert line_label("basic.demand") == "基本电费（按实际最大需量）"
    assert line_label("adjust.rounding", "尾差调整") == "尾差调整"


def test_tou_hours_cover_the_day_once() -> None:
    windows = tou_windows(GUANGDONG_TOU, month=dt.date(2026, 8, 1))
    minutes = 0
    for ranges in windows.values():
        for text in ranges:
            start, end = text.split("–")
            minutes += (int(end[:2]) * 60 + int(end[3:])) - (int(start[:2]) * 60 + int(start[3:]))
    assert minutes == 24 * 60
    assert list(windows) == ["sharp", "peak", "flat", "valley"]


def test_money_has_a_yen_sign_thousands_and_two_decimals() -> None:
    assert format_yuan(Decimal("1234567.891")) == "¥1,234,567.89"
    assert format_yuan(Decimal("0")) == "¥0.00"


def test_english_labels() -> None:
    with translation.override("en"):
        assert line_label("energy.tier1") == "Tier 1 energy"
        [paragraph] = explain(lines=[line("energy.tier1", "150", "0.5889")], total_kwh=Decimal(150))
        assert (
            paragraph.text
            == "This month you used 150 kWh: all of it at the tier 1 price of 0.5889 yuan/kWh."
        )
