"""POST /api/v1/customers: a clerk registers a customer; bad identifiers name the field."""

from __future__ import annotations

import pytest

from gridcare.core.models import AuditLog
from gridcare.customers.models import Customer
from gridcare.testing.personas import ALICE_ID_NUMBER, World

API = "/api/v1/customers"
VALID = {
    "kind": "person",
    "name": "钱七",
    "mobile": "+86 135 0000 0008",
    "id_number": "440106199001011235",
}


def test_clerk_registers_a_customer_and_gets_a_masked_answer(world: World, client_for) -> None:
    response = client_for("clerk_s1").post(API, VALID, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name_masked"] == "钱*"
    assert body["mobile_masked"] == "135****0008"
    assert body["id_number_masked"] == "4401**********1235"
    stored = Customer.objects.get(pk=body["id"])
    assert stored.mobile == "13500000008"
    assert stored.id_number == "440106199001011235"
    assert AuditLog.objects.filter(
        action="customers.customer.create", object_id=str(stored.pk)
    ).exists()


@pytest.mark.parametrize(
    ("field", "value", "code", "message"),
    [
        ("mobile", "1350000", "core.mobile.invalid", "手机号格式不正确"),
        ("id_number", "110105194912310021", "core.id_number.invalid", "身份证号码不正确"),
        ("name", "   ", "customers.customer.name_required", "客户名称不能为空"),
    ],
)
def test_malformed_identifiers_are_refused_naming_the_field(
    world: World, client_for, field: str, value: str, code: str, message: str
) -> None:
    before = Customer.objects.count()
    response = client_for("clerk_s1").post(
        API, {**VALID, field: value}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert message in response.json()["message"]
    assert Customer.objects.count() == before


def test_an_id_number_already_registered_is_a_409_conflict(world: World, client_for) -> None:
    response = client_for("clerk_s1").post(
        API, {**VALID, "id_number": ALICE_ID_NUMBER}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "customers.customer.id_number_taken"


def test_an_unknown_customer_kind_is_a_422_naming_the_field(world: World, client_for) -> None:
    response = client_for("clerk_s1").post(
        API, {**VALID, "kind": "alien"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert response.json()["field"] == "kind"
