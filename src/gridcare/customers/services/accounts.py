"""Customer records, 户号 and their meters: registering a customer, opening an account at a
premise, attaching a meter."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from gridcare.core.audit import audit_record
from gridcare.core.errors import Conflict, DomainError
from gridcare.core.models import OrgUnit, User
from gridcare.core.privacy import blind_index
from gridcare.core.validators import normalize_account_number, normalize_id_number, normalize_mobile
from gridcare.customers.models import Account, AccountMeter, Customer, Premise
from gridcare.grid.models import Meter


@transaction.atomic
def customer_create(
    *, actor: User | None, kind: str, name: str, mobile: str, id_number: str = ""
) -> Customer:
    """Register a customer; the ID number is validated, encrypted and indexed for lookup."""
    if not name.strip():
        raise DomainError("customers.customer.name_required", "客户名称不能为空", field="name")
    customer = Customer(kind=kind, name=name.strip(), mobile=normalize_mobile(mobile))
    if id_number:
        customer.id_number = normalize_id_number(id_number)
        customer.id_number_index = blind_index(customer.id_number)
        if Customer.objects.filter(id_number_index=customer.id_number_index).exists():
            raise Conflict(
                "customers.customer.id_number_taken",
                "该身份证号已登记为其他客户",
                field="id_number",
            )
    customer.full_clean(exclude=["id_number_index", "user"])
    customer.save()
    audit_record(actor=actor, action="customers.customer.create", obj=customer)
    return customer


def premise_create(*, province: str, city: str, district: str, street: str, detail: str) -> Premise:
    premise = Premise(province=province, city=city, district=district, street=street, detail=detail)
    premise.full_clean()
    premise.save()
    return premise


@transaction.atomic
def account_open(
    *,
    actor: User | None,
    customer: Customer,
    number: str,
    premise: Premise,
    supply_unit: OrgUnit,
    tariff_class: str,
    contracted_capacity_kva: Decimal,
    voltage_level: str = "0.22kV",
    importance_level: str = "none",
    is_sensitive: bool = False,
    registered_mobile: str | None = None,
) -> Account:
    """Open a 户号 for a customer at a premise, supplied by one supply station."""
    number = normalize_account_number(number, field="number")
    if Account.objects.filter(number=number).exists():
        raise DomainError("customers.account.number_taken", "该户号已存在", field="number")
    account = Account(
        number=number,
        customer=customer,
        premise=premise,
        supply_unit=supply_unit,
        registered_mobile=normalize_mobile(registered_mobile or customer.mobile),
        tariff_class=tariff_class,
        contracted_capacity_kva=contracted_capacity_kva,
        voltage_level=voltage_level,
        importance_level=importance_level,
        is_sensitive=is_sensitive,
    )
    account.full_clean()
    account.save()
    audit_record(actor=actor, action="customers.account.open", obj=account)
    return account


@transaction.atomic
def account_attach_meter(*, actor: User | None, account: Account, meter: Meter) -> AccountMeter:
    """Link a meter to the account it measures (one account per meter)."""
    if AccountMeter.objects.filter(meter=meter).exists():
        raise DomainError("customers.account.meter_taken", "该电能表已关联其他户号", field="meter")
    link = AccountMeter(account=account, meter=meter)
    link.full_clean(validate_unique=False)
    try:
        link.save()
    except IntegrityError as exc:
        # Lost a race with another attach of the same meter.
        raise DomainError("customers.account.meter_taken", "该电能表已关联其他户号") from exc
    audit_record(
        actor=actor, action="customers.account.attach_meter", obj=account, data={"meter": meter.pk}
    )
    return link
