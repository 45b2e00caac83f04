"""Customers and their accounts (户号): registration, opening, meters, outage scope, consent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gridcare.core.errors import DomainError
from gridcare.core.models import AuditLog
from gridcare.customers.models import Account, AccountMeter, ConsentRecord, Customer, Premise
from gridcare.customers.selectors import (
    accounts_downstream_of_feeder,
    accounts_downstream_of_transformer,
    consent_current,
)
from gridcare.customers.services import (
    account_attach_meter,
    account_open,
    consent_record,
    customer_create,
    premise_create,
)
from gridcare.grid.services import meter_install, transformer_reassign
from gridcare.testing.personas import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    ALICE_ID_NUMBER,
    ALICE_MOBILE,
    World,
)


def _premise() -> Premise:
    return premise_create(
        province="广东省", city="广州市", district="天河区", street="石牌街道", detail="华师路 1 号"
    )


def _open(world: World, number: str, *, customer: Customer | None = None) -> Account:
    return account_open(
        actor=None,
        customer=customer or world.customer_alice,
        number=number,
        premise=_premise(),
        supply_unit=world.station_1,
        tariff_class="residential",
        contracted_capacity_kva=Decimal("8.0"),
    )


# --- Customers ---


@pytest.mark.django_db
def test_a_customer_is_stored_with_normalised_mobile_and_an_id_number_index() -> None:
    customer = customer_create(
        actor=None,
        kind="person",
        name=" 王小明 ",
        mobile="+86 138 0000 0042",
        id_number="11010519491231002x",
    )
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.name == "王小明"
    assert stored.mobile == "13800000042"
    assert stored.id_number == "11010519491231002X"
    assert stored.id_number_index
    assert stored.id_number_index != stored.id_number
    assert AuditLog.objects.filter(
        action="customers.customer.create", object_id=str(customer.pk)
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        pytest.param({"mobile": "12812341234"}, "core.mobile.invalid", "mobile", id="mobile"),
        pytest.param(
            {"id_number": "110105194912310021"},
            "core.id_number.invalid",
            "id_number",
            id="id-check-digit",
        ),
        pytest.param({"name": "   "}, "customers.customer.name_required", "name", id="blank-name"),
    ],
)
def test_customer_create_refuses_bad_input_and_names_the_field(
    fields: dict[str, str], code: str, field: str
) -> None:
    values = {"name": "王小明", "mobile": "13800000042", "id_number": ""} | fields
    with pytest.raises(DomainError) as excinfo:
        customer_create(actor=None, kind="person", **values)
    assert excinfo.value.code == code
    assert excinfo.value.field == field
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "id_number",
    [
        pytest.param(ALICE_ID_NUMBER, id="same"),
        pytest.param(ALICE_ID_NUMBER.lower(), id="lowercase-x"),
        pytest.param(f" {ALICE_ID_NUMBER} ", id="spaces"),
    ],
)
def test_an_id_number_already_registered_is_refused(world: World, id_number: str) -> None:
    before = Customer.objects.count()
    with pytest.raises(DomainError) as excinfo:
        customer_create(
            actor=None, kind="person", name="冒名者", mobile="13600000006", id_number=id_number
        )
    assert excinfo.value.code == "customers.customer.id_number_taken"
    assert excinfo.value.field == "id_number"
    assert Customer.objects.count() == before


def test_many_customers_may_have_no_id_number(world: World) -> None:
    # Bob and Carol's company have none; a third one is still fine (NULL index, not "").
    customer = customer_create(actor=None, kind="organization", name="某商铺", mobile="13600000006")
    assert Customer.objects.filter(id_number_index__isnull=True).count() == 3
    assert customer.id_number == ""


# --- Accounts ---


def test_an_account_opens_with_the_customers_mobile_as_registered_mobile(world: World) -> None:
    account = _open(world, "3100000000009")
    stored = Account.objects.get(number="3100000000009")
    assert stored.registered_mobile == ALICE_MOBILE
    assert stored.customer == world.customer_alice
    assert stored.supply_unit == world.station_1
    assert stored.status == "active"
    entry = AuditLog.objects.get(action="customers.account.open", object_id=str(account.pk))
    assert entry.actor_label == "system"


def test_an_account_may_register_a_different_mobile(world: World) -> None:
    account = account_open(
        actor=world.users["clerk_s1"],
        customer=world.customer_alice,
        number="3100000000009",
        premise=_premise(),
        supply_unit=world.station_1,
        tariff_class="residential",
        contracted_capacity_kva=Decimal("4.0"),
        registered_mobile="+86 137 1111 2222",
    )
    assert account.registered_mobile == "13711112222"


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("310000000001", id="twelve-digits"),
        pytest.param("31000000000091", id="fourteen-digits"),
        pytest.param("31000000000AB", id="letters"),
    ],
)
def test_account_open_refuses_a_malformed_account_number(world: World, number: str) -> None:
    before = Account.objects.count()
    with pytest.raises(DomainError) as excinfo:
        _open(world, number)
    assert excinfo.value.code == "customers.account.number_invalid"
    assert Account.objects.count() == before


def test_account_open_refuses_a_number_that_exists(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        _open(world, ACCOUNT_B, customer=world.customer_alice)
    assert excinfo.value.code == "customers.account.number_taken"
    assert excinfo.value.field == "number"
    assert Account.objects.get(number=ACCOUNT_B).customer == world.customer_bob


def test_account_open_refuses_a_malformed_registered_mobile(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        account_open(
            actor=None,
            customer=world.customer_alice,
            number="3100000000009",
            premise=_premise(),
            supply_unit=world.station_1,
            tariff_class="residential",
            contracted_capacity_kva=Decimal("8.0"),
            registered_mobile="021-12345678",
        )
    assert excinfo.value.code == "core.mobile.invalid"
    assert not Account.objects.filter(number="3100000000009").exists()


def test_account_open_refuses_a_non_positive_capacity(world: World) -> None:
    with pytest.raises(ValidationError):
        account_open(
            actor=None,
            customer=world.customer_alice,
            number="3100000000009",
            premise=_premise(),
            supply_unit=world.station_1,
            tariff_class="residential",
            contracted_capacity_kva=Decimal("0"),
        )
    assert not Account.objects.filter(number="3100000000009").exists()


# --- Meters on accounts ---


def test_a_new_meter_of_the_same_station_can_be_attached(world: World) -> None:
    account = _open(world, "3100000000009")
    meter = meter_install(actor=None, transformer=world.transformer_1, asset_number="MA0009")
    link = account_attach_meter(actor=world.users["clerk_s1"], account=account, meter=meter)
    assert AccountMeter.objects.get(meter=meter) == link
    entry = AuditLog.objects.get(action="customers.account.attach_meter", object_id=str(account.pk))
    assert entry.actor == world.users["clerk_s1"]
    assert entry.data == {"meter": meter.pk}


def test_a_meter_already_measuring_an_account_cannot_be_attached_again(world: World) -> None:
    other = _open(world, "3100000000009")
    with pytest.raises((DomainError, ValidationError)):
        account_attach_meter(actor=None, account=other, meter=world.meter_a)
    assert AccountMeter.objects.get(meter=world.meter_a).account == world.account_a


def test_attaching_a_taken_meter_reports_the_meter_taken_code(world: World) -> None:
    other = _open(world, "3100000000009")
    with pytest.raises(DomainError) as excinfo:
        account_attach_meter(actor=None, account=other, meter=world.meter_a)
    assert excinfo.value.code == "customers.account.meter_taken"


def test_a_meter_of_another_supply_station_cannot_be_attached(world: World) -> None:
    # TR2 belongs to station S2; the new account is supplied by S1.
    account = _open(world, "3100000000009")
    meter = meter_install(actor=None, transformer=world.transformer_2, asset_number="MB0009")
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="another supply unit"),
    ):
        account_attach_meter(actor=None, account=account, meter=meter)
    assert not AccountMeter.objects.filter(meter=meter).exists()


# --- Outage scope ---


def _numbers(accounts: object) -> set[str]:
    return {account.number for account in accounts}  # type: ignore[attr-defined]


def test_accounts_downstream_of_a_feeder_are_those_whose_meters_hang_below_it(
    world: World,
) -> None:
    assert _numbers(accounts_downstream_of_feeder(feeder=world.feeder_1)) == {ACCOUNT_A}
    assert _numbers(accounts_downstream_of_feeder(feeder=world.feeder_2)) == {ACCOUNT_B, ACCOUNT_C}


def test_accounts_downstream_of_a_transformer(world: World) -> None:
    assert _numbers(accounts_downstream_of_transformer(transformer=world.transformer_1)) == {
        ACCOUNT_A
    }
    assert _numbers(accounts_downstream_of_transformer(transformer=world.transformer_2)) == {
        ACCOUNT_B,
        ACCOUNT_C,
    }


def test_an_account_with_two_meters_under_a_feeder_is_listed_once(world: World) -> None:
    second = meter_install(actor=None, transformer=world.transformer_1, asset_number="MA0002")
    account_attach_meter(actor=None, account=world.account_a, meter=second)
    result = list(accounts_downstream_of_feeder(feeder=world.feeder_1))
    assert [account.number for account in result] == [ACCOUNT_A]


def test_outage_scope_follows_a_transformer_moved_to_another_feeder(world: World) -> None:
    transformer_reassign(actor=None, transformer=world.transformer_1, feeder=world.feeder_2)
    assert _numbers(accounts_downstream_of_feeder(feeder=world.feeder_1)) == set()
    assert _numbers(accounts_downstream_of_feeder(feeder=world.feeder_2)) == {
        ACCOUNT_A,
        ACCOUNT_B,
        ACCOUNT_C,
    }


# --- Consent ---


def test_consent_history_is_appended_and_the_newest_decision_per_purpose_counts(
    world: World,
) -> None:
    alice = world.customer_alice
    agent = world.users["agent_s1"]
    consent_record(actor=agent, customer=alice, purpose="outage", granted=True, source="95598")
    consent_record(actor=agent, customer=alice, purpose="marketing", granted=True, source="95598")
    consent_record(actor=agent, customer=alice, purpose="marketing", granted=False, source="95598")

    assert consent_current(customer=alice) == {"outage": True, "marketing": False}
    assert ConsentRecord.objects.filter(customer=alice).count() == 3
    history = list(
        ConsentRecord.objects.filter(customer=alice, purpose="marketing").values_list(
            "granted", flat=True
        )
    )
    assert history == [False, True]
    assert AuditLog.objects.filter(action="customers.consent.record").count() == 3
    assert ConsentRecord.objects.get(purpose="outage").recorded_by == agent


def test_a_purpose_never_asked_about_is_absent_meaning_no_consent(world: World) -> None:
    consent_record(
        actor=world.users["alice"],
        customer=world.customer_alice,
        purpose="billing",
        granted=True,
        source="portal",
    )
    current = consent_current(customer=world.customer_alice)
    assert "marketing" not in current
    assert consent_current(customer=world.customer_bob) == {}


def test_consent_for_an_unknown_purpose_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        consent_record(
            actor=world.users["agent_s1"],
            customer=world.customer_alice,
            purpose="resale",
            granted=True,
            source="95598",
        )
    assert set(excinfo.value.message_dict) == {"purpose"}
    assert not ConsentRecord.objects.exists()


def test_a_consent_recorded_by_the_system_has_no_recording_user(world: World) -> None:
    record = consent_record(
        actor=None, customer=world.customer_alice, purpose="outage", granted=True, source="import"
    )
    assert record.recorded_by is None
    assert consent_current(customer=world.customer_alice) == {"outage": True}
