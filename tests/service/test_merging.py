"""Duplicates and merging: suggestions per reason at the edges of their windows, one per
report in a storm, and child → parent merges with each refusal's code; merged customers
keep following the parent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.core.errors import Conflict, DomainError, NotFound, PermissionDeniedError
from gridcare.service.merge_selectors import (
    merge_suggestions_pending,
    order_children,
    order_followers,
)
from gridcare.service.models import MergeSuggestion, WorkOrder
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.service.services.duplicates import duplicate_reason_label, merge_suggest
from gridcare.service.services.merging import order_merge
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World

MINUTE = dt.timedelta(minutes=1)


def order(world: World, who: str = "alice", **fields: object) -> WorkOrder:
    values: dict[str, object] = {
        "order_type": "fault_repair",
        "origin": "web",
        "title": "家里没电了",
        **fields,
    }
    if who == "alice" and "transformer_code" not in values:
        values.setdefault("account_number", ACCOUNT_A)
    return order_create(actor=world.users[who], draft=OrderDraft(**values))  # type: ignore[arg-type]


def on_tr1(world: World) -> WorkOrder:
    """A repair reported on 台区 TR1 by the station, with no account."""
    return order(world, "agent_s1", transformer_code="TR1")


def age(o: WorkOrder, delta: dt.timedelta) -> None:
    WorkOrder.objects.filter(pk=o.pk).update(created_at=timezone.now() - delta)


def suggestions(o: WorkOrder) -> list[tuple[int, str]]:
    return list(MergeSuggestion.objects.filter(order=o).values_list("candidate_id", "reason"))


# --- Suggestions ---


def test_a_repeat_repair_of_one_account_just_inside_24_hours_is_suggested(world: World) -> None:
    first = order(world)
    age(first, dt.timedelta(hours=24) - MINUTE)
    second = order(world)
    assert suggestions(second) == [(first.pk, "same_account")]


def test_a_repeat_repair_of_one_account_just_outside_24_hours_is_not(world: World) -> None:
    first = order(world)
    age(first, dt.timedelta(hours=24) + MINUTE)
    assert suggestions(order(world)) == []


def test_repairs_on_one_transformer_within_2_hours_are_suggested(world: World) -> None:
    first = on_tr1(world)
    age(first, dt.timedelta(hours=2) - MINUTE)
    inside = on_tr1(world)
    assert suggestions(inside) == [(first.pk, "same_transformer")]


def test_repairs_on_one_transformer_just_outside_2_hours_are_not(world: World) -> None:
    first = on_tr1(world)
    age(first, dt.timedelta(hours=2) + MINUTE)
    assert suggestions(on_tr1(world)) == []


def test_repairs_on_other_transformers_are_not_suggested(world: World) -> None:
    on_tr1(world)
    other = order(world, "agent_s2", transformer_code="TR2")
    assert suggestions(other) == []


def test_one_master_matching_both_account_and_transformer_is_suggested_once(
    world: World,
) -> None:
    first = order(world)
    second = order(world)
    assert suggestions(second) == [(first.pk, "same_account")]


def test_a_repeat_complaint_of_the_same_group_within_30_days_is_suggested(world: World) -> None:
    first = order(world, order_type="complaint", title="态度差", category_code="service.attitude")
    age(first, dt.timedelta(days=30) - MINUTE)
    again = order(world, order_type="complaint", title="还是不理", category_code="service.hotline")
    assert suggestions(again) == [(first.pk, "repeat_complaint")]


def test_complaints_of_another_group_or_older_than_30_days_are_not_suggested(
    world: World,
) -> None:
    old = order(world, order_type="complaint", title="态度差", category_code="service.attitude")
    age(old, dt.timedelta(days=30) + MINUTE)
    billing = order(world, order_type="complaint", title="电费高", category_code="business.billing")
    again = order(world, order_type="complaint", title="态度差", category_code="service.attitude")
    assert suggestions(billing) == []
    assert suggestions(again) == []


def test_a_complaint_is_never_suggested_as_a_repair_duplicate(world: World) -> None:
    order(world, order_type="complaint", title="停电太久", category_code="outage.restoration_slow")
    assert suggestions(order(world)) == []


def test_closed_orders_are_never_suggested(world: World) -> None:
    first = order(world)
    order_act(actor=world.users["agent_s1"], number=first.number, action="cancel", note="误报")
    assert suggestions(order(world)) == []


def test_a_storm_on_one_transformer_makes_one_suggestion_per_report_not_n_squared(
    world: World,
) -> None:
    reports = [on_tr1(world) for _ in range(200)]
    rows = list(MergeSuggestion.objects.values_list("order_id", "candidate_id", "reason"))

    assert len(rows) == 199
    assert {candidate for _, candidate, _ in rows} == {reports[0].pk}
    assert {reason for _, _, reason in rows} == {"same_transformer"}
    assert len({order_id for order_id, _, _ in rows}) == 199


def test_suggestion_reasons_have_labels_for_display() -> None:
    assert duplicate_reason_label("same_transformer", language="zh-hans") == "同一台区短时间内报修"
    assert duplicate_reason_label("same_transformer", language="en").startswith("Same transformer")


def test_pending_suggestions_leave_out_masters_closed_since(world: World) -> None:
    first = order(world)
    second = order(world)
    assert [s.candidate_id for s in merge_suggestions_pending(second)] == [first.pk]
    order_act(actor=world.users["agent_s1"], number=first.number, action="cancel", note="误报")
    assert list(merge_suggestions_pending(second)) == []


# --- Merging ---


def test_a_merge_closes_the_child_under_its_parent_with_events_on_both(world: World) -> None:
    parent, child = order(world), order(world)
    agent = world.users["agent_s1"]

    merged = order_merge(
        actor=agent, number=child.number, parent_number=parent.number, note="同一故障"
    )

    assert merged.state == "merged"
    assert merged.parent_id == parent.pk
    assert merged.closed_at is not None
    event = merged.events.get(kind="merge")
    assert (event.from_state, event.data, event.note) == (
        "accepted",
        {"parent": parent.number},
        "同一故障",
    )
    note = parent.events.get(kind="note", data__merged_child=child.number)
    assert note.public is False
    assert MergeSuggestion.objects.get(order=child).accepted is True
    parent.refresh_from_db()
    assert parent.state == "accepted"


def test_repairs_of_different_customers_merge_and_every_customer_follows(world: World) -> None:
    """One outage, two callers: bob's report (S2) joins alice's (S1), for a bureau manager."""
    parent = order(world)
    child = order(world, "bob", account_number=ACCOUNT_B)
    order_merge(actor=world.users["manager"], number=child.number, parent_number=parent.number)

    assert order_followers(parent) == [world.customer_alice.pk, world.customer_bob.pk]
    assert list(order_children(parent)) == [child]


def test_followers_list_each_customer_once_and_skip_orders_without_one(world: World) -> None:
    parent = order(world)
    same_customer, anonymous = order(world), on_tr1(world)
    agent = world.users["agent_s1"]
    order_merge(actor=agent, number=same_customer.number, parent_number=parent.number)
    order_merge(actor=agent, number=anonymous.number, parent_number=parent.number)
    assert order_followers(parent) == [world.customer_alice.pk]


def test_merging_into_a_merged_order_lands_on_its_root(world: World) -> None:
    root, middle, late = on_tr1(world), on_tr1(world), on_tr1(world)
    agent = world.users["agent_s1"]
    order_merge(actor=agent, number=middle.number, parent_number=root.number)

    merged = order_merge(actor=agent, number=late.number, parent_number=middle.number)

    assert merged.parent_id == root.pk
    assert merged.events.get(kind="merge").data == {"parent": root.number}


def test_the_children_of_a_merged_order_move_to_the_new_root(world: World) -> None:
    """Trees stay one level deep, so the root's followers include the grandchildren's."""
    root = order(world, "bob", account_number=ACCOUNT_B)
    middle, grandchild = order(world), on_tr1(world)
    manager = world.users["manager"]
    order_merge(actor=manager, number=grandchild.number, parent_number=middle.number)

    order_merge(actor=manager, number=middle.number, parent_number=root.number)

    assert WorkOrder.objects.get(pk=grandchild.pk).parent_id == root.pk
    assert order_followers(root) == [world.customer_bob.pk, world.customer_alice.pk]
    note = root.events.get(kind="note", data__merged_child=middle.number)
    assert note.data["adopted"] == [grandchild.number]


def test_an_order_cannot_be_merged_into_itself(world: World) -> None:
    one = order(world)
    with pytest.raises(DomainError) as refused:
        order_merge(actor=world.users["agent_s1"], number=one.number, parent_number=one.number)
    assert refused.value.code == "service.merge.self"
    assert WorkOrder.objects.get(pk=one.pk).state == "accepted"


def test_a_merge_into_a_closed_order_is_refused_with_409(world: World) -> None:
    agent = world.users["agent_s1"]
    closed, child = order(world), order(world)
    order_act(actor=agent, number=closed.number, action="cancel", note="误报")
    with pytest.raises(Conflict) as refused:
        order_merge(actor=agent, number=child.number, parent_number=closed.number)
    assert refused.value.code == "service.merge.parent_closed"
    assert WorkOrder.objects.get(pk=child.pk).state == "accepted"


def test_a_merge_into_a_chain_whose_root_is_closed_is_refused(world: World) -> None:
    agent = world.users["agent_s1"]
    root, middle, child = on_tr1(world), on_tr1(world), on_tr1(world)
    order_merge(actor=agent, number=middle.number, parent_number=root.number)
    order_act(actor=agent, number=root.number, action="cancel", note="误报")
    with pytest.raises(Conflict) as refused:
        order_merge(actor=agent, number=child.number, parent_number=middle.number)
    assert refused.value.code == "service.merge.parent_closed"


def test_complaints_of_different_customers_are_not_merged(world: World) -> None:
    mine = order(world, order_type="complaint", title="态度差")
    theirs = order(world, "bob", order_type="complaint", title="态度差", account_number=ACCOUNT_B)
    with pytest.raises(DomainError) as refused:
        order_merge(actor=world.users["manager"], number=theirs.number, parent_number=mine.number)
    assert refused.value.code == "service.merge.different_customers"
    assert WorkOrder.objects.get(pk=theirs.pk).state == "accepted"


def test_a_complaint_of_the_same_customer_merges(world: World) -> None:
    first = order(world, order_type="complaint", title="态度差")
    again = order(world, order_type="complaint", title="态度差")
    merged = order_merge(
        actor=world.users["agent_s1"], number=again.number, parent_number=first.number
    )
    assert merged.parent_id == first.pk


def test_orders_of_different_types_are_not_merged(world: World) -> None:
    complaint = order(world, order_type="complaint", title="停电太久")
    repair = order(world)
    with pytest.raises(DomainError) as refused:
        order_merge(
            actor=world.users["agent_s1"], number=repair.number, parent_number=complaint.number
        )
    assert refused.value.code == "service.merge.type_mismatch"


def test_a_parent_outside_the_actors_scope_is_not_found(world: World) -> None:
    mine = order(world)
    theirs = order(world, "bob", account_number=ACCOUNT_B)
    agent = world.users["agent_s1"]
    with pytest.raises(NotFound) as refused:
        order_merge(actor=agent, number=mine.number, parent_number=theirs.number)
    assert refused.value.code == "service.merge.parent_not_found"
    with pytest.raises(NotFound) as refused:
        order_merge(actor=agent, number=theirs.number, parent_number=mine.number)
    assert refused.value.code == "service.order.not_found"
    assert WorkOrder.objects.filter(state="merged").count() == 0


def test_a_role_without_the_supervise_permission_cannot_merge(world: World) -> None:
    parent, child = order(world), order(world)
    with pytest.raises(PermissionDeniedError) as refused:
        order_merge(
            actor=world.users["dispatcher"], number=child.number, parent_number=parent.number
        )
    assert refused.value.code == "service.order.forbidden_action"


def test_a_child_already_taken_by_a_crew_is_refused_by_the_lifecycle(world: World) -> None:
    agent = world.users["agent_s1"]
    parent, child = order(world), order(world)
    order_act(actor=agent, number=child.number, action="dispatch", team_id=world.team_1.pk)
    order_act(actor=agent, number=child.number, action="take")
    with pytest.raises(Conflict) as refused:
        order_merge(actor=agent, number=child.number, parent_number=parent.number)
    assert refused.value.code == "service.order.bad_transition"
    assert WorkOrder.objects.get(pk=child.pk).parent_id is None


def test_children_stay_merged_when_the_parent_is_resolved_and_archived(world: World) -> None:
    agent = world.users["agent_s1"]
    parent, child = order(world), order(world)
    order_merge(actor=agent, number=child.number, parent_number=parent.number)
    for action in ["dispatch", "take", "arrive", "resolve", "archive"]:
        team = world.team_1.pk if action == "dispatch" else None
        order_act(actor=agent, number=parent.number, action=action, team_id=team)
    child.refresh_from_db()
    assert (child.state, child.parent_id) == ("merged", parent.pk)


def test_suggesting_costs_two_lookups_and_one_insert_per_repair(
    world: World,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    """What keeps a storm cheap: one indexed lookup per rule, all rows in one INSERT."""
    first = order(world)
    second = order(world)
    MergeSuggestion.objects.all().delete()
    with django_assert_max_num_queries(3):
        merge_suggest(order=second)
    assert suggestions(second) == [(first.pk, "same_account")]
