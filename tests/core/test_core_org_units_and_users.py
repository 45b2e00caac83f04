"""Org-unit tree and data scopes, staff and customer logins, roles, audit log, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from gridcare.core.errors import DomainError, NotFound, PermissionDeniedError
from gridcare.core.models import ApiToken, AuditLog, OrgUnit, User
from gridcare.core.selectors import audit_log_for_object, org_units_in_scope
from gridcare.core.services import (
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
    customer_user_register,
    org_unit_create,
    pii_reveal,
    staff_user_create,
    user_roles,
)
from gridcare.testing.personas import ALICE_MOBILE, PASSWORD, World

# --- Org-unit tree ---


@pytest.mark.django_db
def test_bureau_station_team_chain_gets_a_materialized_path() -> None:
    bureau = org_unit_create(actor=None, code="B9", name="海珠供电局", kind="bureau")
    station = org_unit_create(
        actor=None, code="S9", name="赤岗供电所", kind="station", parent=bureau
    )
    team = org_unit_create(actor=None, code="T9", name="赤岗抢修班", kind="team", parent=station)
    assert bureau.path == f"/{bureau.pk}/"
    assert station.path == f"/{bureau.pk}/{station.pk}/"
    assert team.path == f"/{bureau.pk}/{station.pk}/{team.pk}/"
    assert OrgUnit.objects.get(pk=team.pk).path == team.path


@pytest.mark.django_db
def test_a_bureau_may_sit_under_another_bureau() -> None:
    province = org_unit_create(actor=None, code="P1", name="广州供电局", kind="bureau")
    district = org_unit_create(
        actor=None, code="B8", name="天河供电局", kind="bureau", parent=province
    )
    assert district.parent == province


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["station", "team"])
def test_only_a_bureau_may_be_a_root(kind: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        org_unit_create(actor=None, code="X1", name="孤立单位", kind=kind)
    assert excinfo.value.code == "core.org_unit.needs_parent"
    assert excinfo.value.field == "parent"
    assert not OrgUnit.objects.filter(code="X1").exists()


@pytest.mark.parametrize(
    ("parent_attr", "kind"),
    [
        pytest.param("bureau", "team", id="team-under-bureau"),
        pytest.param("station_1", "station", id="station-under-station"),
        pytest.param("station_1", "bureau", id="bureau-under-station"),
        pytest.param("team_1", "team", id="team-under-team"),
    ],
)
def test_units_refuse_children_of_the_wrong_kind(world: World, parent_attr: str, kind: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        org_unit_create(
            actor=None, code="X2", name="错位单位", kind=kind, parent=getattr(world, parent_attr)
        )
    assert excinfo.value.code == "core.org_unit.bad_parent"
    assert excinfo.value.field == "parent"
    assert not OrgUnit.objects.filter(code="X2").exists()


# --- Data scope ---


@pytest.mark.parametrize(
    ("persona", "expected_codes"),
    [
        pytest.param("agent_s1", {"S1", "T1"}, id="station-agent-sees-station-and-its-team"),
        pytest.param("agent_s2", {"S2"}, id="other-station-agent"),
        pytest.param("dispatcher", {"S1", "T1"}, id="team-member-scope-is-its-station"),
        pytest.param("crew", {"S1", "T1"}, id="field-crew-in-team"),
        pytest.param("manager", {"B1", "S1", "S2", "T1"}, id="bureau-manager-sees-all"),
        pytest.param("analyst", {"B1", "S1", "S2", "T1"}, id="bureau-analyst-sees-all"),
        pytest.param("alice", set(), id="customer-has-no-org-scope"),
    ],
)
def test_org_scope_is_the_subtree_of_the_users_unit(
    world: World, persona: str, expected_codes: set[str]
) -> None:
    scope = org_units_in_scope(world.users[persona])
    assert {unit.code for unit in scope} == expected_codes


def test_bureau_staff_do_not_see_a_sibling_bureau(world: World) -> None:
    other = org_unit_create(actor=None, code="B2", name="越秀供电局", kind="bureau")
    org_unit_create(actor=None, code="S21", name="北京街供电所", kind="station", parent=other)
    assert {u.code for u in org_units_in_scope(world.users["manager"])} == {"B1", "S1", "S2", "T1"}


def test_a_superuser_without_org_unit_sees_every_unit(world: World) -> None:
    root = User.objects.create(username="root", kind="staff", is_superuser=True, is_staff=True)
    assert {u.code for u in org_units_in_scope(root)} == {"B1", "S1", "S2", "T1"}


# --- Users and roles ---


@pytest.mark.django_db
def test_create_superuser_works_for_a_user_model_without_email() -> None:
    root = User.objects.create_superuser(username="root", password=PASSWORD, kind="staff")
    assert root.is_superuser
    assert root.is_staff
    assert root.check_password(PASSWORD)


def test_staff_user_gets_its_role_group_and_unit(world: World) -> None:
    user = staff_user_create(
        actor=world.users["admin"],
        username="agent_s1_b",
        display_name="王五",
        role="agent",
        org_unit=world.station_1,
        password=PASSWORD,
        mobile="+86 137 0000 0009",
    )
    user.refresh_from_db()
    assert user_roles(user) == ["agent"]
    assert user.org_unit == world.station_1
    assert user.mobile == "13700000009"
    assert user.check_password(PASSWORD)
    assert not user.is_superuser


def test_staff_user_cannot_take_the_customer_role(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        staff_user_create(
            actor=None,
            username="sneaky",
            display_name="x",
            role="customer",
            org_unit=world.station_1,
            password=PASSWORD,
        )
    assert excinfo.value.code == "core.user.bad_role"
    assert not User.objects.filter(username="sneaky").exists()


def test_staff_username_must_be_unique(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        staff_user_create(
            actor=None,
            username="agent_s1",
            display_name="x",
            role="agent",
            org_unit=world.station_2,
            password=PASSWORD,
        )
    assert excinfo.value.code == "core.user.username_taken"
    assert excinfo.value.field == "username"


def test_customer_registration_logs_in_with_the_normalised_mobile(db: None) -> None:
    user = customer_user_register(mobile="+86 138 0000 0099", password=PASSWORD)
    assert user.username == "13800000099"
    assert user.is_customer
    assert user.org_unit is None
    assert user_roles(user) == ["customer"]


def test_a_mobile_can_register_only_once(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        customer_user_register(mobile=ALICE_MOBILE, password=PASSWORD)
    assert excinfo.value.code == "core.user.mobile_taken"
    assert excinfo.value.field == "mobile"


@pytest.mark.django_db
def test_every_role_group_exists_after_migrate_with_exactly_its_permissions() -> None:
    read = {"customers.view_customer", "customers.view_account", "grid.view_meter"}
    record = {"customers.add_interaction"}
    log = {"notify.view_notification"}
    orders_view = {"service.view_workorder"}
    orders_desk = orders_view | {"service.add_workorder", "service.work_workorder"}
    orders_all = orders_desk | {"service.dispatch_workorder", "service.supervise_workorder"}
    bills = {"billing.view_bill"}
    money_desk = {"billing.add_refund", "billing.change_callbackrecord"}
    tariffs = {
        "billing.view_tariff",
        "billing.change_tariff",
        "billing.view_tariffversion",
        "billing.add_tariffversion",
        "billing.change_tariffversion",
    }
    outages = {"outages.view_outage"}
    plan = outages | {"outages.add_outage", "outages.change_outage"}
    bots = {"assistant.view_botsession"}
    knowledge = {"assistant.add_faqentry", "assistant.change_faqentry"}
    wall = {"monitoring.view_wall"}
    dashboards = wall | {"monitoring.view_dashboards", "monitoring.export_report"}
    tune = {
        "monitoring.add_indexversion",
        "monitoring.view_alertrule",
        "monitoring.add_alertrule",
        "monitoring.change_alertrule",
    }
    expected = {
        "customer": set(),
        "agent": read | record | log | orders_all | bills | outages | bots | wall,
        "business_hall_clerk": read
        | record
        | log
        | orders_desk
        | bills
        | outages
        | {"customers.add_customer", "customers.change_customer", "billing.add_payment"},
        "dispatcher": read | record | orders_desk | plan | {"service.dispatch_workorder"} | wall,
        "field_crew": {"customers.view_account", "grid.view_meter"}
        | orders_view
        | outages
        | {"service.work_workorder"},
        "analyst": {"customers.view_account", "grid.view_meter"}
        | orders_view
        | bills
        | outages
        | bots
        | dashboards,
        "manager": read
        | record
        | log
        | orders_all
        | bills
        | money_desk
        | plan
        | bots
        | knowledge
        | dashboards
        | tune
        | {"outages.override_notice"}
        | {"core.reveal_pii", "core.view_auditlog", "core.view_calendaryear"},
        "admin": read
        | record
        | log
        | orders_all
        | bills
        | money_desk
        | tariffs
        | plan
        | bots
        | knowledge
        | dashboards
        | tune
        | {
            "assistant.add_botturn",
            "outages.override_notice",
            "outages.add_powerevent",
            "billing.add_payment",
            "billing.add_billingrun",
            "customers.add_customer",
            "customers.change_customer",
            "core.reveal_pii",
            "core.view_auditlog",
            "core.add_apitoken",
            "metering.add_importbatch",
            "notify.add_notificationtemplate",
            *(
                f"core.{verb}_{model}"
                for verb in ("view", "add", "change", "delete")
                for model in ("calendaryear", "calendarday")
            ),
        },
    }
    actual = {
        group.name: {
            f"{perm.content_type.app_label}.{perm.codename}"
            for perm in group.permissions.select_related("content_type")
        }
        for group in Group.objects.filter(name__in=expected)
    }
    assert actual == expected


@pytest.mark.parametrize(
    ("persona", "can_view_customers", "can_reveal_pii"),
    [
        ("agent_s1", True, False),
        ("clerk_s1", True, False),
        ("dispatcher", True, False),
        ("crew", False, False),
        ("analyst", False, False),
        ("manager", True, True),
        ("admin", True, True),
        ("alice", False, False),
    ],
)
def test_only_manager_and_admin_may_reveal_personal_data(
    world: World, persona: str, can_view_customers: bool, can_reveal_pii: bool
) -> None:
    user = world.users[persona]
    assert user.has_perm("customers.view_customer") is can_view_customers
    assert user.has_perm("core.reveal_pii") is can_reveal_pii


def test_reveal_by_a_manager_returns_the_value_and_leaves_an_audit_entry(world: World) -> None:
    manager = world.users["manager"]
    value = pii_reveal(
        actor=manager,
        obj=world.customer_alice,
        field="mobile",
        ip="10.0.0.8",
    )
    assert value == ALICE_MOBILE
    entry = AuditLog.objects.get(action="core.pii.reveal")
    assert entry.actor == manager
    assert entry.object_type == "customers.customer"
    assert entry.object_id == str(world.customer_alice.pk)
    assert entry.ip == "10.0.0.8"
    assert entry.data == {"field": "mobile"}


def test_reveal_by_an_agent_is_refused_and_not_logged_as_a_reveal(world: World) -> None:
    with pytest.raises(PermissionDeniedError) as excinfo:
        pii_reveal(
            actor=world.users["agent_s1"],
            obj=world.customer_alice,
            field="id_number",
            ip=None,
        )
    assert excinfo.value.code == "core.pii.forbidden"
    assert excinfo.value.status == 403
    assert not AuditLog.objects.filter(action="core.pii.reveal").exists()


# --- Audit log ---


def test_services_write_an_audit_row_with_actor_and_action(world: World) -> None:
    admin = world.users["admin"]
    user = staff_user_create(
        actor=admin,
        username="crew_2",
        display_name="赵六",
        role="field_crew",
        org_unit=world.team_1,
        password=None,
    )
    entry = AuditLog.objects.get(action="core.user.create", object_id=str(user.pk))
    assert entry.actor == admin
    assert entry.actor_label == "admin"
    assert entry.object_type == "core.user"
    assert entry.data == {"role": "field_crew"}
    assert list(audit_log_for_object(object_type="core.user", object_id=str(user.pk))) == [entry]


def test_system_actions_are_logged_with_the_system_label(world: World) -> None:
    entry = AuditLog.objects.get(action="core.org_unit.create", object_id=str(world.bureau.pk))
    assert entry.actor is None
    assert entry.actor_label == "system"


def test_an_audit_row_cannot_be_changed(world: World) -> None:
    entry = AuditLog.objects.filter(action="core.user.create").first()
    assert entry is not None
    entry.action = "core.user.nothing_happened"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    assert AuditLog.objects.get(pk=entry.pk).action == "core.user.create"


def test_an_audit_row_cannot_be_deleted(world: World) -> None:
    entry = AuditLog.objects.filter(action="core.user.create").first()
    assert entry is not None
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_audit_rows_cannot_be_deleted_in_bulk(world: World) -> None:
    before = AuditLog.objects.count()
    with pytest.raises(ValueError, match="append-only"):
        AuditLog.objects.filter(action="core.user.create").delete()
    assert AuditLog.objects.count() == before


def test_deleting_a_user_keeps_their_audit_rows_with_the_label(world: World) -> None:
    agent = world.users["agent_s2"]
    api_token_issue(actor=agent, user=agent, name="crm")
    agent.delete()
    entry = AuditLog.objects.get(action="core.api_token.issue")
    assert entry.actor is None
    assert entry.actor_label == "agent_s2"


# --- API tokens ---


def test_issued_token_authenticates_its_user_and_only_the_digest_is_stored(world: World) -> None:
    agent = world.users["agent_s1"]
    token, plaintext = api_token_issue(actor=agent, user=agent, name="IVR integration")

    assert plaintext.startswith("gc_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in {stored.digest, stored.prefix, stored.name}
    assert stored.prefix == plaintext[:10]

    assert api_token_authenticate(plaintext=plaintext) == agent
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    entry = AuditLog.objects.get(action="core.api_token.issue")
    assert entry.actor == agent
    assert plaintext not in str(entry.data)


def test_an_unknown_token_authenticates_nobody(world: World) -> None:
    agent = world.users["agent_s1"]
    _, plaintext = api_token_issue(actor=agent, user=agent, name="crm")
    assert api_token_authenticate(plaintext=plaintext + "x") is None
    assert api_token_authenticate(plaintext="gc_") is None


def test_a_revoked_token_authenticates_nobody(world: World) -> None:
    agent = world.users["agent_s1"]
    token, plaintext = api_token_issue(actor=agent, user=agent, name="crm")
    api_token_revoke(actor=agent, token_id=token.pk)
    assert api_token_authenticate(plaintext=plaintext) is None
    assert AuditLog.objects.filter(action="core.api_token.revoke", actor=agent).exists()


def test_an_expired_token_authenticates_nobody(world: World) -> None:
    agent = world.users["agent_s1"]
    _, plaintext = api_token_issue(
        actor=agent, user=agent, name="crm", expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert api_token_authenticate(plaintext=plaintext) is None


def test_a_token_that_has_not_expired_yet_still_works(world: World) -> None:
    agent = world.users["agent_s1"]
    _, plaintext = api_token_issue(
        actor=agent, user=agent, name="crm", expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert api_token_authenticate(plaintext=plaintext) == agent


def test_a_deactivated_users_token_authenticates_nobody(world: World) -> None:
    agent = world.users["agent_s1"]
    _, plaintext = api_token_issue(actor=agent, user=agent, name="crm")
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert api_token_authenticate(plaintext=plaintext) is None


def test_only_an_admin_may_issue_a_token_for_someone_else(world: World) -> None:
    agent, other = world.users["agent_s1"], world.users["agent_s2"]
    with pytest.raises(DomainError) as excinfo:
        api_token_issue(actor=agent, user=other, name="crm")
    assert excinfo.value.code == "core.api_token.forbidden"
    assert not ApiToken.objects.filter(user=other).exists()

    _, plaintext = api_token_issue(actor=world.users["admin"], user=other, name="crm")
    assert api_token_authenticate(plaintext=plaintext) == other


def test_a_user_cannot_revoke_someone_elses_token(world: World) -> None:
    owner, intruder = world.users["agent_s1"], world.users["agent_s2"]
    token, plaintext = api_token_issue(actor=owner, user=owner, name="crm")
    with pytest.raises(NotFound) as excinfo:
        api_token_revoke(actor=intruder, token_id=token.pk)
    assert excinfo.value.code == "core.api_token.not_found"
    assert api_token_authenticate(plaintext=plaintext) == owner


def test_a_token_cannot_be_revoked_twice(world: World) -> None:
    agent = world.users["agent_s1"]
    token, _ = api_token_issue(actor=agent, user=agent, name="crm")
    api_token_revoke(actor=agent, token_id=token.pk)
    with pytest.raises(NotFound):
        api_token_revoke(actor=agent, token_id=token.pk)
