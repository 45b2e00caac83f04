"""Masking for display (domain-facts §8.2) and field encryption at rest, with key rotation."""

from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from gridcare.core.privacy import (
    blind_index,
    decrypt_value,
    encrypt_value,
    mask_address_detail,
    mask_id_number,
    mask_mobile,
    mask_name,
    rotate_value,
)
from gridcare.customers.models import Customer
from gridcare.customers.services import customer_create

ID_NUMBER = "11010519491231002X"


def _new_key() -> str:
    return Fernet.generate_key().decode()


# --- Masking ---


@pytest.mark.parametrize(
    ("mobile", "masked"),
    [
        ("13812341234", "138****1234"),
        ("13900000002", "139****0002"),
        ("", ""),
        (None, ""),
        ("1234567", "*******"),
    ],
)
def test_mobile_keeps_the_first_three_and_last_four_digits(mobile: str | None, masked: str) -> None:
    assert mask_mobile(mobile) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("440106199001011234", "4401**********1234"),
        ("11010519491231002X", "1101**********002X"),
        ("", ""),
        (None, ""),
        ("12345678", "********"),
    ],
)
def test_id_number_keeps_the_first_four_and_last_four_characters(
    id_number: str | None, masked: str
) -> None:
    assert mask_id_number(id_number) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳小明", "欧**明"),
        ("棠下五金厂", "棠***厂"),
        ("张", "张"),
        ("", ""),
        (None, ""),
    ],
)
def test_name_keeps_the_surname_and_for_longer_names_the_last_character(
    name: str | None, masked: str
) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("detail", "masked"),
    [
        ("华师路 12 号 3 栋 501", "华师路 ** 号 * 栋 ***"),
        ("天河北路", "天河北路"),
        ("", ""),
        (None, ""),
    ],
)
def test_address_detail_hides_house_and_room_numbers(detail: str | None, masked: str) -> None:
    assert mask_address_detail(detail) == masked


# --- Encryption ---


def test_encrypted_value_round_trips_and_never_contains_the_plaintext() -> None:
    token = encrypt_value(ID_NUMBER)
    assert ID_NUMBER not in token
    assert decrypt_value(token) == ID_NUMBER


def test_encrypting_the_same_value_twice_gives_different_tokens() -> None:
    # A fresh IV each time: equal ciphertexts would let anyone spot equal ID numbers.
    assert encrypt_value(ID_NUMBER) != encrypt_value(ID_NUMBER)


@pytest.mark.django_db
def test_the_id_number_column_in_the_database_holds_ciphertext_not_the_plaintext() -> None:
    customer = customer_create(
        actor=None, kind="person", name="张三丰", mobile="13800000001", id_number=ID_NUMBER
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM customers_customer WHERE id = %s", [customer.pk])
        (raw,) = cursor.fetchone()

    assert raw != ID_NUMBER
    assert ID_NUMBER not in raw
    assert decrypt_value(raw) == ID_NUMBER
    assert Customer.objects.get(pk=customer.pk).id_number == ID_NUMBER


@pytest.mark.django_db
def test_a_customer_without_id_number_stores_an_empty_column() -> None:
    customer = customer_create(actor=None, kind="person", name="李四", mobile="13900000002")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM customers_customer WHERE id = %s", [customer.pk])
        (raw,) = cursor.fetchone()
    assert raw == ""
    assert Customer.objects.get(pk=customer.pk).id_number == ""


def test_old_values_stay_readable_after_a_new_key_is_put_in_front() -> None:
    old, new = _new_key(), _new_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        token = encrypt_value(ID_NUMBER)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert decrypt_value(token) == ID_NUMBER


def test_rotated_value_decrypts_with_the_new_key_alone() -> None:
    old, new = _new_key(), _new_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        token = encrypt_value(ID_NUMBER)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        rotated = rotate_value(token)
    assert rotated != token
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):
        assert decrypt_value(rotated) == ID_NUMBER
        # ...while the un-rotated token needs the old key, which has been dropped.
        with pytest.raises(ImproperlyConfigured):
            decrypt_value(token)


def test_new_values_are_encrypted_with_the_first_key_in_the_list() -> None:
    old, new = _new_key(), _new_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        token = encrypt_value(ID_NUMBER)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):
        assert decrypt_value(token) == ID_NUMBER
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]), pytest.raises(ImproperlyConfigured):
        decrypt_value(token)


def test_a_value_encrypted_with_an_unknown_key_raises_improperly_configured_naming_the_setting() -> (
    None
):
    with override_settings(FIELD_ENCRYPTION_KEYS=[_new_key()]):
        token = encrypt_value(ID_NUMBER)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[_new_key()]),
        pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"),
    ):
        decrypt_value(token)


@pytest.mark.django_db
def test_loading_a_customer_whose_key_was_dropped_fails_loudly() -> None:
    old, new = _new_key(), _new_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        customer = customer_create(
            actor=None, kind="person", name="张三丰", mobile="13800000001", id_number=ID_NUMBER
        )
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert Customer.objects.get(pk=customer.pk).id_number == ID_NUMBER
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[new]),
        pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"),
    ):
        Customer.objects.get(pk=customer.pk)


def test_a_malformed_key_is_reported_as_a_configuration_error() -> None:
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=["not-a-fernet-key"]),
        pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"),
    ):
        encrypt_value(ID_NUMBER)


def test_blind_index_is_a_stable_keyed_digest_that_differs_per_value() -> None:
    digest = blind_index(ID_NUMBER)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == blind_index(ID_NUMBER)
    assert digest != blind_index("110105194912310029")


def test_blind_index_does_not_depend_on_the_encryption_keys() -> None:
    # Lookups by ID number must keep working across a key rotation.
    with override_settings(FIELD_ENCRYPTION_KEYS=[_new_key()]):
        first = blind_index(ID_NUMBER)
    with override_settings(FIELD_ENCRYPTION_KEYS=[_new_key()]):
        assert blind_index(ID_NUMBER) == first
