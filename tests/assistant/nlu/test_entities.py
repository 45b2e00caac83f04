"""Entities, against a fixed today (Sunday 2026-12-06)."""

from __future__ import annotations

from datetime import date

import pytest

from gridcare.assistant.nlu.entities import entities_extract
from gridcare.assistant.nlu.types import Entities

TODAY = date(2026, 12, 6)


def extract(text: str, today: date = TODAY) -> Entities:
    return entities_extract(text, today=today)


# --- Account numbers and mobiles ---


@pytest.mark.parametrize("number", ["1234567890", "51001122334", "510011223344", "5100112233445"])
def test_account_number_is_ten_to_thirteen_digits(number: str) -> None:
    assert extract(f"户号{number}的电费").account_numbers == (number,)


@pytest.mark.parametrize("number", ["123456789", "12345678901234"])
def test_shorter_or_longer_runs_are_not_account_numbers(number: str) -> None:
    assert extract(f"编号{number}").account_numbers == ()


def test_a_mobile_is_not_an_account_number() -> None:
    found = extract("我的手机13812345678，户号5100112233")
    assert found.mobiles == ("13812345678",)
    assert found.account_numbers == ("5100112233",)


@pytest.mark.parametrize("written", ["138 1234 5678", "138-1234-5678", "１３８１２３４５６７８"])
def test_mobile_written_with_spaces_dashes_or_full_width(written: str) -> None:
    assert extract(f"联系电话{written}").mobiles == ("13812345678",)


def test_eleven_digits_not_starting_like_a_mobile_is_an_account() -> None:
    assert extract("户号 10012345678").account_numbers == ("10012345678",)


# --- Months ---


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("上个月的电费", ("2026-11",)),
        ("上月用了多少", ("2026-11",)),
        ("本月账单", ("2026-12",)),
        ("这个月电费", ("2026-12",)),
        ("上上个月", ("2026-10",)),
        ("10月的电费", ("2026-10",)),
        ("十月份电费", ("2026-10",)),
        ("2026年10月", ("2026-10",)),
        ("二零二五年三月", ("2025-03",)),
        ("去年10月", ("2025-10",)),
        ("今年3月", ("2026-03",)),
        ("去年夏天电费很高", ("2025-06", "2025-07", "2025-08")),
        ("前两个月", ("2026-10", "2026-11")),
        ("近3个月的账单", ("2026-09", "2026-10", "2026-11")),
        ("3个月前", ("2026-09",)),
        ("2026-08 的账单", ("2026-08",)),
    ],
)
def test_months(text: str, months: tuple[str, ...]) -> None:
    assert extract(text).months == months


def test_a_month_not_yet_reached_this_year_is_last_years() -> None:
    assert extract("10月的电费", today=date(2026, 3, 15)).months == ("2025-10",)
    assert extract("3月的电费", today=date(2026, 3, 15)).months == ("2026-03",)


def test_last_month_in_january_is_last_december() -> None:
    assert extract("上个月", today=date(2027, 1, 10)).months == ("2026-12",)


def test_this_summer_has_no_months_after_today() -> None:
    assert extract("今年夏天", today=date(2026, 7, 10)).months == ("2026-06", "2026-07")


def test_last_winter_runs_into_the_new_year() -> None:
    assert extract("去年冬天").months == ("2025-12", "2026-01", "2026-02")


# --- Dates ---


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("昨天停电了", ("2026-12-05",)),
        ("前天交的费", ("2026-12-04",)),
        ("今天", ("2026-12-06",)),
        ("明天会停电吗", ("2026-12-07",)),
        ("12月3号交的", ("2026-12-03",)),
        ("12月3日", ("2026-12-03",)),
        ("2026-12-03", ("2026-12-03",)),
        ("2026年12月3日", ("2026-12-03",)),
        ("3号停的电", ("2026-12-03",)),
        ("上个月3号交了钱", ("2026-11-03",)),
    ],
)
def test_dates(text: str, dates: tuple[str, ...]) -> None:
    assert extract(text).dates == dates


def test_a_date_far_ahead_is_last_years() -> None:
    assert extract("8月15号交的").dates == ("2026-08-15",)
    assert extract("8月15号交的", today=date(2026, 3, 1)).dates == ("2025-08-15",)


def test_an_impossible_date_is_dropped() -> None:
    assert extract("2月30号").dates == ()


def test_a_date_is_not_also_a_month() -> None:
    assert extract("12月3号").months == ()


def test_a_house_number_is_not_a_date() -> None:
    assert extract("人民路18号停电了").dates == ()
    assert extract("3号楼没电").dates == ()


# --- Amounts ---


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("交了200元", ("200",)),
        ("一百五十块", ("150",)),
        ("¥50.5", ("50.5",)),
        ("￥50.50", ("50.5",)),
        ("3千", ("3000",)),
        ("交了3千块", ("3000",)),
        ("两万元", ("20000",)),
        ("5毛钱", ("0.5",)),
        ("2块5", ("2.5",)),
        ("236.5元", ("236.5",)),
    ],
)
def test_amounts_in_yuan(text: str, amounts: tuple[str, ...]) -> None:
    assert extract(text).amounts == amounts


def test_kilowatts_are_not_money() -> None:
    assert extract("想增容到3千瓦").amounts == ()


# --- Addresses ---


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("我住在阳光小区3栋2单元501室", "阳光小区3栋2单元501室"),
        ("江苏省南京市玄武区中山路18号停电了", "江苏省南京市玄武区中山路18号"),
        ("城关镇李家村3组没电", "城关镇李家村3组"),
        ("幸福路的路灯不亮", "幸福路"),
    ],
)
def test_addresses(text: str, address: str) -> None:
    assert extract(text).addresses == (address,)


@pytest.mark.parametrize("text", ["整个小区都停电了", "我们台区停电", "12月3号", "这条街没电"])
def test_generic_places_are_not_addresses(text: str) -> None:
    assert extract(text).addresses == ()


def test_everything_at_once() -> None:
    found = extract("户号5100112233，上个月交了一百五十块，电话13812345678，地址人民路5号")
    assert found.as_dict() == {
        "account_numbers": ["5100112233"],
        "mobiles": ["13812345678"],
        "months": ["2026-11"],
        "amounts": ["150"],
        "addresses": ["人民路5号"],
    }
