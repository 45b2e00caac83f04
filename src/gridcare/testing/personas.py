"""Test personas (healthchecks' Alice/Bob/Charlie), built through the real services.

Topology of the persona world:

    Bureau B1 ─┬─ Station S1 ─ Team T1        Substation SUB1 ─ Feeder F1 ─ TR1 (S1) ─ {M-A, M-A2}
    (terminals TM-TR1, TM-TR2: the 台区 concentrators)
               └─ Station S2                                   └─ Feeder F2 ─ TR2 (S2) ─ {M-B, M-C}

- alice: customer login bound to account A (户号 3100000000001, station S1)
- bob: customer login bound to account B (station S2); must never see A
- account C (station S2) has no login bound
- agent_s1 / agent_s2: agents of S1 and S2; dispatcher and field crew sit in team T1 (scope S1),
  the repair team serving TR1
- analyst, manager, admin at the bureau (scope: everything)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gridcare.billing.services.profiles import billing_profile_set
from gridcare.core.choices import OrgUnitKind, Role
from gridcare.core.models import OrgUnit, User
from gridcare.core.services import customer_user_register, org_unit_create, staff_user_create
from gridcare.customers.models import Account, AccountBinding, Customer, Premise
from gridcare.customers.services import (
    account_attach_meter,
    account_open,
    customer_create,
    premise_create,
)
from gridcare.grid.models import Feeder, Meter, Transformer
from gridcare.grid.services import (
    feeder_create,
    meter_install,
    substation_create,
    terminal_install,
    transformer_create,
)
from gridcare.service.models import ServiceArea

PASSWORD = "Gridcare-test-2026"
ACCOUNT_A = "3100000000001"
ACCOUNT_B = "3100000000002"
ACCOUNT_C = "3100000000003"
ALICE_MOBILE = "13800000001"
BOB_MOBILE = "13900000002"
ALICE_ID_NUMBER = "11010519491231002X"


@dataclass
class World:
    bureau: OrgUnit
    station_1: OrgUnit
    station_2: OrgUnit
    team_1: OrgUnit
    feeder_1: Feeder
    feeder_2: Feeder
    transformer_1: Transformer
    transformer_2: Transformer
    meter_a: Meter
    account_a: Account
    account_b: Account
    account_c: Account
    customer_alice: Customer
    customer_bob: Customer
    users: dict[str, User]


def _premise(detail: str) -> Premise:
    return premise_create(
        province="广东省", city="广州市", district="天河区", street="石牌街道", detail=detail
    )


def _staff(username: str, role: str, unit: OrgUnit) -> User:
    return staff_user_create(
        actor=None,
        username=username,
        display_name=username,
        role=role,
        org_unit=unit,
        password=PASSWORD,
    )


def build_world() -> World:
    """Create the persona world in the current test database."""
    bureau = org_unit_create(actor=None, code="B1", name="天河供电局", kind=OrgUnitKind.BUREAU)
    s1 = org_unit_create(
        actor=None, code="S1", name="石牌供电所", kind=OrgUnitKind.STATION, parent=bureau
    )
    s2 = org_unit_create(
        actor=None, code="S2", name="棠下供电所", kind=OrgUnitKind.STATION, parent=bureau
    )
    t1 = org_unit_create(actor=None, code="T1", name="石牌抢修班", kind=OrgUnitKind.TEAM, parent=s1)
    sub = substation_create(actor=None, code="SUB1", name="110kV 石牌站", org_unit=bureau)
    f1 = feeder_create(actor=None, substation=sub, code="F1", name="10kV 石牌线")
    f2 = feeder_create(actor=None, substation=sub, code="F2", name="10kV 棠下线")
    tr1 = transformer_create(
        actor=None,
        feeder=f1,
        code="TR1",
        name="石牌1号台区",
        rated_kva=400,
        area_class="urban",
        org_unit=s1,
    )
    tr2 = transformer_create(
        actor=None,
        feeder=f2,
        code="TR2",
        name="棠下1号台区",
        rated_kva=630,
        area_class="urban",
        org_unit=s2,
    )
    terminal_install(actor=None, transformer=tr1, code="TM-TR1")
    terminal_install(actor=None, transformer=tr2, code="TM-TR2")
    meter_a = meter_install(actor=None, transformer=tr1, asset_number="MA0001")
    meter_b = meter_install(actor=None, transformer=tr2, asset_number="MB0001")
    meter_c = meter_install(actor=None, transformer=tr2, asset_number="MC0001")

    alice_c = customer_create(
        actor=None, kind="person", name="张三丰", mobile=ALICE_MOBILE, id_number=ALICE_ID_NUMBER
    )
    bob_c = customer_create(actor=None, kind="person", name="李四", mobile=BOB_MOBILE)
    carol_c = customer_create(
        actor=None, kind="organization", name="棠下五金厂", mobile="13700000003"
    )
    accounts = {}
    for number, customer, unit, meter, tariff in [
        (ACCOUNT_A, alice_c, s1, meter_a, "residential"),
        (ACCOUNT_B, bob_c, s2, meter_b, "residential"),
        (ACCOUNT_C, carol_c, s2, meter_c, "general_commercial"),
    ]:
        account = account_open(
            actor=None,
            customer=customer,
            number=number,
            premise=_premise("华师路 12 号 3 栋 501"),
            supply_unit=unit,
            tariff_class=tariff,
            contracted_capacity_kva=Decimal("8.0"),
        )
        account_attach_meter(actor=None, account=account, meter=meter)
        accounts[number] = account

    alice = customer_user_register(mobile=ALICE_MOBILE, password=PASSWORD, display_name="张三丰")
    bob = customer_user_register(mobile=BOB_MOBILE, password=PASSWORD, display_name="李四")
    # Bindings normally need the SMS code; the personas start out already bound.
    AccountBinding.objects.create(user=alice, account=accounts[ACCOUNT_A])
    AccountBinding.objects.create(user=bob, account=accounts[ACCOUNT_B])
    ServiceArea.objects.create(team=t1, transformer=tr1)
    # Billing: Alice post-paid on the tiered tariff, Bob prepaid on residential TOU, the
    # hardware shop post-paid on general C&I time-of-use.
    for number, tariff, mode in [
        (ACCOUNT_A, "GZ-RES-TIER", "postpaid"),
        (ACCOUNT_B, "GZ-RES-TOU", "prepaid"),
        (ACCOUNT_C, "GD-CI-TOU-1KV", "postpaid"),
    ]:
        billing_profile_set(
            actor=None, account=accounts[number], tariff_code=tariff, payment_mode=mode
        )
    users = {
        "alice": alice,
        "bob": bob,
        "agent_s1": _staff("agent_s1", Role.AGENT, s1),
        "agent_s2": _staff("agent_s2", Role.AGENT, s2),
        "clerk_s1": _staff("clerk_s1", Role.BUSINESS_HALL_CLERK, s1),
        "dispatcher": _staff("dispatcher", Role.DISPATCHER, t1),
        "crew": _staff("crew", Role.FIELD_CREW, t1),
        "analyst": _staff("analyst", Role.ANALYST, bureau),
        "manager": _staff("manager", Role.MANAGER, bureau),
        "admin": _staff("admin", Role.ADMIN, bureau),
    }
    return World(
        bureau=bureau,
        station_1=s1,
        station_2=s2,
        team_1=t1,
        feeder_1=f1,
        feeder_2=f2,
        transformer_1=tr1,
        transformer_2=tr2,
        meter_a=meter_a,
        account_a=accounts[ACCOUNT_A],
        account_b=accounts[ACCOUNT_B],
        account_c=accounts[ACCOUNT_C],
        customer_alice=alice_c,
        customer_bob=bob_c,
        users=users,
    )
