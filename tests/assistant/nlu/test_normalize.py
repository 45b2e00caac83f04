"""Normalisation: every way of writing the same message reads the same."""

from __future__ import annotations

import pytest

from gridcare.assistant.nlu.normalize import HEAD_CHARS, TAIL_CHARS, bounded, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("電費怎麼這麼貴", "电费怎么这么贵"),  # traditional
        ("ＡＢＣ１２３", "abc123"),  # full-width
        ("我家停电了😡😡", "我家停电了"),  # emoji
        ("怎么还不来电！！！？？？", "怎么还不来电!"),  # repeated punctuation
        ("啊啊啊啊啊啊电费", "啊啊电费"),  # a shouted character
        ("电 费  多少", "电费多少"),  # spaces typed between characters
        ("My Bill", "my bill"),  # case
        ("<script>alert(1)</script>电费", "alert(1) 电费"),  # markup is text, not tags
    ],
)
def test_normalize_gives_one_form_for_many_writings(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("交了一百五十块", "交了150块"),
        ("十月份的电费", "10月份的电费"),
        ("前两个月", "前2个月"),
        ("二零二六年十一月", "2026年11月"),
        ("一点五度", "1.5度"),
    ],
)
def test_chinese_numerals_before_a_unit_become_digits(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["一直没电", "万一停电", "快一点", "一下子"])
def test_numerals_that_are_not_quantities_stay_words(raw: str) -> None:
    assert normalize(raw) == raw


def test_currency_sign_survives_symbol_stripping() -> None:
    assert normalize("¥50.5") == "¥50.5"


def test_emoji_only_normalises_to_nothing() -> None:
    assert normalize("👍🔥😀") == ""


def test_bounded_keeps_head_and_tail_of_a_long_message() -> None:
    text = "开头说电费" + "啰嗦" * 5000 + "最后要转人工"
    cut = bounded(text)
    assert len(cut) == HEAD_CHARS + TAIL_CHARS + 1
    assert cut.startswith("开头说电费")
    assert cut.endswith("最后要转人工")


def test_bounded_leaves_a_normal_message_alone() -> None:
    assert bounded("我家停电了") == "我家停电了"
