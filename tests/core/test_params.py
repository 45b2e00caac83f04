"""Typed parameter parsing: a decimal typed into a form is a number or a coded 400."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gridcare.core.params import BadParameter, parse_decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12.5", Decimal("12.5")), ("-3", Decimal("-3")), (" 90 ", Decimal("90")), ("", None), (None, None),
     ("１２", Decimal("12"))],  # full-width digits, as a Chinese input method types them
)  # fmt: skip
def test_a_decimal_or_nothing(raw: str | None, expected: Decimal | None) -> None:
    assert parse_decimal(raw, field="threshold") == expected


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", "-inf", "1e", "12元"])
def test_what_is_not_a_finite_number_is_a_coded_400(raw: str) -> None:
    with pytest.raises(BadParameter) as caught:
        parse_decimal(raw, field="threshold")
    assert caught.value.code == "request.param.not_a_number"
    assert caught.value.field == "threshold"


def test_an_essay_of_digits_is_refused_before_it_is_read() -> None:
    with pytest.raises(BadParameter):
        parse_decimal("9" * 5000, field="threshold")
