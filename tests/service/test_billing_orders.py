"""Billing's requests as work orders, from the service side: only the system opens
`system` orders, the customer cannot cancel one, an agent's own reconnection order does not
touch billing, staff cancelling a disconnection reconnects nothing that was cut, a request
that cannot be handled waits without blocking the others, and the presets carry the
commitments (SGCC 24 h, CSG 12 h)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from gridcare.billing.choices import BillingEventKind, SupplyState
from gridcare.billing.models import BillingEvent, BillingProfile
from gridcare.billing.services.supply import disconnect_request, profile_lock, reconnect_request
from gridcare.core.errors import DomainError, PermissionDeniedError
from gridcare.customers.models import Account
from gridcare.service.models import Category, SlaRule, WorkOrder
from gridcare.service.order_selectors import order_allowed_actions
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.service.services.billing_orders import billing_requests_handle
from gridcare.service.services.intake import order_create_as_system
from gridcare.testing.personas import ACCOUNT_A, World


def _request(account: Account, key: str) -> BillingEvent:
    """A disconnection request as billing's cycle writes it."""
    with transaction.atomic():
        profile = profile_lock(account_id=account.pk)
        outcome, event = disconnect_request(
            profile=profile, key=key, detail={"reason": "arrears", "bill": "B1", "amount": "9"}
        )
    assert outcome == "requested"
    assert event is not None
    return event


def _supply(account: Account) -> str:
    return BillingProfile.objects.get(account=account).supply_state


def test_the_categories_and_commitments_are_seeded(db: None) -> None:
    codes = set(Category.objects.values_list("code", flat=True))
    assert {"request.disconnection", "request.reconnection"} <= codes
    limits = {
        (r.policy.code, r.clock): (r.unit, r.limit, r.category)
        for r in SlaRule.objects.filter(clock__in=["reconnection", "disconnection"])
    }
    assert limits[("sgcc_2023", "reconnection")] == ("hours", 24, "request.reconnection")
    assert limits[("csg", "reconnection")] == ("hours", 12, "request.reconnection")
    assert limits[("sgcc_2023", "disconnection")] == ("working_days", 1, "request.disconnection")


def test_only_the_system_opens_system_orders(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    draft = OrderDraft(
        order_type="service_request",
        origin="system",
        title="欠费停电",
        account_number=ACCOUNT_A,
        category_code="request.disconnection",
        source_ref="billing:x",
    )
    with pytest.raises(PermissionDeniedError) as refused:
        order_create(actor=world.users["admin"], draft=draft)
    assert refused.value.code == "service.order.origin_not_allowed"
    response = client_for("agent_s1").post(
        "/api/v1/service/orders",
        {
            "order_type": "service_request",
            "origin": "system",
            "title": "停电",
            "account_number": ACCOUNT_A,
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "service.order.origin_not_allowed"
    for wrong in (
        OrderDraft(order_type="service_request", origin="web", title="x", account_number=ACCOUNT_A, source_ref="s"),
        OrderDraft(order_type="service_request", origin="system", title="x", account_number=ACCOUNT_A),
    ):  # fmt: skip
        with pytest.raises(DomainError):
            order_create_as_system(draft=wrong)
    assert not WorkOrder.objects.exists()


def test_the_customer_sees_a_disconnection_order_but_cannot_cancel_it(world: World) -> None:
    _request(world.account_a, "disconnect:test:1")
    billing_requests_handle()
    order = WorkOrder.objects.get()
    alice = world.users["alice"]
    assert "cancel" not in order_allowed_actions(user=alice, order=order)
    with pytest.raises(PermissionDeniedError):
        order_act(actor=alice, number=order.number, action="cancel", note="不要停电")
    assert _supply(world.account_a) == SupplyState.DISCONNECTION_REQUESTED


def test_staff_cancelling_a_disconnection_order_leaves_the_supply_connected(world: World) -> None:
    event = _request(world.account_a, "disconnect:test:1")
    billing_requests_handle()
    order = WorkOrder.objects.get()
    order_act(
        actor=world.users["manager"], number=order.number, action="cancel", note="客户已办理缓缴"
    )
    assert _supply(world.account_a) == SupplyState.CONNECTED
    reconnected = BillingEvent.objects.get(kind=BillingEventKind.RECONNECTED)
    assert reconnected.detail == {"order": order.number, "note": "客户已办理缓缴"}
    # The same episode is not asked again: its key is taken.
    profile = BillingProfile.objects.get(account=world.account_a)
    assert disconnect_request(profile=profile, key=event.key, detail={})[0] == "skipped"


def test_an_agents_own_reconnection_order_does_not_touch_billing(world: World) -> None:
    agent = world.users["agent_s1"]
    order = order_create(
        actor=agent,
        draft=OrderDraft(
            order_type="service_request",
            origin="hotline",
            title="客户要求复电",
            account_number=ACCOUNT_A,
            category_code="request.reconnection",
            contact_data={"recording_ref": "rec-1", "duration_seconds": 60},
        ),
    )
    order_act(actor=agent, number=order.number, action="take")
    order_act(actor=agent, number=order.number, action="resolve")
    assert not BillingEvent.objects.exists()
    assert _supply(world.account_a) == SupplyState.CONNECTED


def _disconnected_and_paid(world: World) -> WorkOrder:
    """Account A cut by its order, then everything paid: a reconnection request waits."""
    _request(world.account_a, "disconnect:test:1")
    billing_requests_handle()
    cut = WorkOrder.objects.get()
    for action in ("take", "resolve"):
        order_act(actor=world.users["agent_s1"], number=cut.number, action=action)
    assert _supply(world.account_a) == SupplyState.DISCONNECTED
    with transaction.atomic():
        reconnect_request(
            profile=profile_lock(account_id=world.account_a.pk), detail={"day": "2026-12-26"}
        )
    return cut


def test_a_request_that_cannot_be_handled_waits_without_blocking_the_others(
    world: World,
) -> None:
    _disconnected_and_paid(world)
    Category.objects.filter(code="request.reconnection").update(active=False)  # retired
    other = _request(world.account_c, "disconnect:test:c")
    assert billing_requests_handle() == 1
    waiting = BillingEvent.objects.get(kind=BillingEventKind.RECONNECT_REQUESTED)
    assert waiting.handled_at is None
    other.refresh_from_db()
    assert other.order_number
    Category.objects.filter(code="request.reconnection").update(active=True)
    assert billing_requests_handle() == 1
    waiting.refresh_from_db()
    assert WorkOrder.objects.get(number=waiting.order_number).account.number == ACCOUNT_A


def test_the_reconnection_clock_runs_on_natural_hours(world: World) -> None:
    cut = _disconnected_and_paid(world)
    billing_requests_handle()
    restore = WorkOrder.objects.exclude(pk=cut.pk).get()
    clock = restore.clocks.get()
    assert clock.clock == "reconnection"
    assert clock.deadline_at - clock.started_at == dt.timedelta(hours=24)
    assert "2026-12-26" in restore.description
