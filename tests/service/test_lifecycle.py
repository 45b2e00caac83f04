"""The work-order lifecycle: intake lands on the timeline; every action outside the table is
refused with 409 and the allowed actions; two agents acting at once, one wins."""

from __future__ import annotations

import pytest

from gridcare.core.errors import ConcurrentChange, Conflict, DomainError, NotFound
from gridcare.customers.models import Interaction
from gridcare.service import lifecycle as table
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World


def repair(world: World, **overrides: object) -> WorkOrder:
    draft = OrderDraft(
        order_type="fault_repair",
        origin="web",
        title="家里没电了",
        account_number=ACCOUNT_A,
        **overrides,  # type: ignore[arg-type]
    )
    return order_create(actor=world.users["alice"], draft=draft)


def test_an_order_from_the_portal_lands_on_the_account_station_and_timeline(world: World) -> None:
    order = repair(world)

    assert order.number.startswith(order.created_at.strftime("%Y"))
    assert order.org_unit == world.station_1
    assert order.transformer == world.transformer_1
    assert order.customer == world.customer_alice
    assert order.state == "accepted"
    entry = Interaction.objects.get(customer=world.customer_alice, links__work_order=order.number)
    assert "家里没电了" in entry.summary
    assert list(order.events.values_list("kind", flat=True)) == ["created"]


def test_the_same_source_ref_gives_back_the_first_order(world: World) -> None:
    first = repair(world, source_ref="cti-1")
    again = repair(world, source_ref="cti-1")
    assert again.pk == first.pk
    assert WorkOrder.objects.count() == 1


def test_a_customer_cannot_file_on_someone_elses_account(world: World) -> None:
    with pytest.raises(NotFound):
        order_create(
            actor=world.users["alice"],
            draft=OrderDraft(
                order_type="complaint", origin="web", title="x", account_number=ACCOUNT_B
            ),
        )
    assert WorkOrder.objects.count() == 0


def test_bad_drafts_store_nothing(world: World) -> None:
    for draft in [
        OrderDraft(order_type="nonsense", origin="web", title="x", account_number=ACCOUNT_A),
        OrderDraft(order_type="complaint", origin="fax", title="x", account_number=ACCOUNT_A),
        OrderDraft(order_type="complaint", origin="web", title="  ", account_number=ACCOUNT_A),
        OrderDraft(order_type="complaint", origin="web", title="x"),
        OrderDraft(
            order_type="complaint",
            origin="web",
            title="x",
            account_number=ACCOUNT_A,
            category_code="fault.meter",
        ),
    ]:
        with pytest.raises(DomainError):
            order_create(actor=world.users["alice"], draft=draft)
    assert WorkOrder.objects.count() == 0
    assert Interaction.objects.count() == 0


def test_a_repair_runs_through_the_whole_lifecycle(world: World) -> None:
    order = repair(world)
    agent, crew = world.users["agent_s1"], world.users["crew"]
    order_act(actor=agent, number=order.number, action="dispatch", team_id=world.team_1.pk)
    for action in ["take", "arrive", "resolve"]:
        order = order_act(actor=crew, number=order.number, action=action)
    # Resolving opens the return visit (services/visits.py), which moves the order on.
    assert order.state == "return_visit"
    assert order.assignee == crew
    order = order_act(actor=agent, number=order.number, action="archive")
    assert order.state == "archived"
    kinds = list(WorkOrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == ["created", "dispatch", "take", "arrive", "resolve", "start_visit", "archive"]


STATES = ["accepted", "dispatched", "taken", "arrived", "resolved", "return_visit", "archived"]


@pytest.mark.parametrize("state", [*STATES, "cancelled", "merged"])
@pytest.mark.parametrize("action", table.ACTIONS)
def test_every_transition_outside_the_table_is_refused_with_the_allowed_ones(
    world: World, state: str, action: str
) -> None:
    order = repair(world)
    WorkOrder.objects.filter(pk=order.pk).update(state=state, team=world.team_1)
    if table.target_state(action, state=state, is_repair=True) is not None:
        return
    with pytest.raises(Conflict) as refused:
        order_act(
            actor=world.users["admin"],
            number=order.number,
            action=action,
            note="原因",
            team_id=world.team_1.pk,
        )
    assert refused.value.data["allowed"] == table.allowed_actions(state=state, is_repair=True)
    order.refresh_from_db()
    assert order.state == state
    assert order.version == 0


def test_non_repair_orders_are_resolved_without_arriving(world: World) -> None:
    order = order_create(
        actor=world.users["agent_s1"],
        draft=OrderDraft(
            order_type="complaint",
            origin="hotline",
            title="态度差",
            account_number=ACCOUNT_A,
            contact_data={"recording_ref": "r1", "duration_seconds": 60},
        ),
    )
    order_act(
        actor=world.users["agent_s1"],
        number=order.number,
        action="dispatch",
        team_id=world.team_1.pk,
    )
    order_act(actor=world.users["agent_s1"], number=order.number, action="take")
    with pytest.raises(Conflict):
        order_act(actor=world.users["agent_s1"], number=order.number, action="arrive")
    resolved = order_act(actor=world.users["agent_s1"], number=order.number, action="resolve")
    assert resolved.resolved_at is not None
    assert resolved.events.filter(kind="resolve").exists()


def test_a_stale_version_loses(world: World) -> None:
    order = repair(world)
    order_act(
        actor=world.users["agent_s1"],
        number=order.number,
        action="dispatch",
        team_id=world.team_1.pk,
    )
    with pytest.raises(ConcurrentChange):
        order_act(
            actor=world.users["dispatcher"],
            number=order.number,
            action="reassign",
            team_id=world.team_1.pk,
            expected_version=0,
        )


def test_crews_act_only_on_their_teams_orders(world: World) -> None:
    order = repair(world)
    with pytest.raises(NotFound):  # not yet dispatched to the crew's team
        order_act(actor=world.users["crew"], number=order.number, action="take")
    with pytest.raises(NotFound):  # another station's agent
        order_act(
            actor=world.users["agent_s2"],
            number=order.number,
            action="dispatch",
            team_id=world.team_1.pk,
        )


def test_the_table_speaks_the_models_vocabulary() -> None:
    """The framework-free table names states and actions as plain strings; they must be
    exactly the TextChoices the database stores."""
    from gridcare.service.choices import EventKind, OrderState

    states = {t.target for t in table.TRANSITIONS if t.target} | {
        s for t in table.TRANSITIONS for s in t.sources
    }
    assert states | {table.ACCEPTED} <= set(OrderState.values)
    assert set(OrderState.values) - states == set()
    assert set(table.ACTIONS) <= set(EventKind.values)
