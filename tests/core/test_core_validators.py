"""Identifiers typed by customers and agents: mobile numbers, resident ID numbers, 户号."""

from __future__ import annotations

import pytest

from gridcare.core.errors import DomainError
from gridcare.core.validators import (
    normalize_account_number,
    normalize_id_number,
    normalize_mobile,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("13812341234", "13812341234"),
        ("+8613812341234", "13812341234"),
        ("+86 138 1234 1234", "13812341234"),
        ("138-1234-1234", "13812341234"),
        (" 19912341234 ", "19912341234"),
    ],
)
def test_mobile_accepts_country_prefix_spaces_and_dashes(raw: str, normalized: str) -> None:
    assert normalize_mobile(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("138123412345", id="twelve-digits"),
        pytest.param("1381234123", id="ten-digits"),
        pytest.param("12812341234", id="starts-with-12"),
        pytest.param("23812341234", id="starts-with-2"),
        pytest.param("1381234abcd", id="letters"),
        pytest.param("+8713812341234", id="foreign-prefix"),
        pytest.param("", id="empty"),
    ],
)
def test_mobile_rejects_anything_but_an_eleven_digit_mainland_number(raw: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        normalize_mobile(raw)
    assert excinfo.value.code == "core.mobile.invalid"
    assert excinfo.value.field == "mobile"


def test_mobile_error_names_the_field_the_caller_passes() -> None:
    with pytest.raises(DomainError) as excinfo:
        normalize_mobile("12345", field="registered_mobile")
    assert excinfo.value.field == "registered_mobile"
    assert excinfo.value.to_dict()["field"] == "registered_mobile"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        pytest.param("11010519491231002X", "11010519491231002X", id="gb11643-example"),
        pytest.param("11010519491231002x", "11010519491231002X", id="lowercase-x"),
        pytest.param(" 11010519491231002X ", "11010519491231002X", id="surrounding-spaces"),
        # 4·7+4·9+0·10+1·5+0·8+6·4+1·2+9·1+9·6+0·3+0·7+1·9+0·10+1·5+1·8+2·4+3·2 = 194,
        # 194 mod 11 = 7 → check character "5".
        pytest.param("440106199001011235", "440106199001011235", id="digit-check"),
    ],
)
def test_id_number_with_a_correct_check_character_is_accepted(raw: str, normalized: str) -> None:
    assert normalize_id_number(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("440106199001011234", id="wrong-check-digit"),
        pytest.param("110105194912310021", id="digit-instead-of-x"),
        pytest.param("44010619900101123", id="seventeen-characters"),
        pytest.param("4401061990010112355", id="nineteen-characters"),
        pytest.param("44010619900101123Y", id="letter-other-than-x"),
        pytest.param("", id="empty"),
    ],
)
def test_id_number_with_a_wrong_check_character_or_length_is_refused(raw: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        normalize_id_number(raw)
    assert excinfo.value.code == "core.id_number.invalid"
    assert excinfo.value.field == "id_number"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("3100000000001", "3100000000001"), (" 3100000000001 ", "3100000000001")],
)
def test_account_number_is_thirteen_digits(raw: str, normalized: str) -> None:
    assert normalize_account_number(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("310000000001", id="twelve-digits"),
        pytest.param("31000000000012", id="fourteen-digits"),
        pytest.param("310000000000A", id="letter"),
        pytest.param("3100 000000001", id="inner-space"),
        pytest.param("", id="empty"),
    ],
)
def test_account_number_of_other_lengths_or_with_letters_is_refused(raw: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        normalize_account_number(raw)
    assert excinfo.value.code == "customers.account.number_invalid"
    assert excinfo.value.field == "account_number"
