"""Progress notices: one message per public step of an order, on the customer's channel,
for merged children's customers too, and none for orders without a customer."""

from __future__ import annotations

from gridcare.customers.models import ChannelIdentity, ContactPreference
from gridcare.notify.models import Notification
from gridcare.service.models import WorkOrder
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.testing.personas import ACCOUNT_A, World


def repair(world: World, actor: str = "alice", **overrides: object) -> WorkOrder:
    draft = OrderDraft(
        order_type="fault_repair",
        origin="web",
        title="家里没电了",
        account_number=ACCOUNT_A,
        **overrides,  # type: ignore[arg-type]
    )
    return order_create(actor=world.users[actor], draft=draft)


def run_to_resolved(world: World, number: str) -> None:
    order_act(
        actor=world.users["dispatcher"], number=number, action="dispatch", team_id=world.team_1.pk
    )
    for action in ["take", "arrive", "resolve"]:
        order_act(actor=world.users["crew"], number=number, action=action)


def test_each_public_step_sends_one_message_by_sms_by_default(world: World) -> None:
    order = repair(world)
    run_to_resolved(world, order.number)

    sent = Notification.objects.filter(customer=world.customer_alice).order_by("id")
    codes = [n.template.code for n in sent]
    assert codes == [
        "service.progress.created",
        "service.progress.dispatch",
        "service.progress.arrive",
        "service.progress.resolve",
        "service.visit",
    ]
    assert {n.channel for n in sent} == {"sms"}
    assert {n.purpose for n in sent} == {"service"}
    assert "石牌抢修班" in sent[1].body
    assert order.number in sent[1].body
    assert sent[0].idempotency_key == f"order:{order.number}:{order.events.first().pk}"


def test_the_customers_preferred_channel_is_used(world: World) -> None:
    ChannelIdentity.objects.create(
        customer=world.customer_alice, channel="wechat", external_id="oAlice"
    )
    ContactPreference.objects.create(customer=world.customer_alice, channels=["wechat", "sms"])
    repair(world)
    assert Notification.objects.get().channel == "wechat"


def test_the_same_event_notified_twice_sends_once(world: World) -> None:
    from gridcare.service.services.progress import progress_notify

    order = repair(world)
    progress_notify(order=order, event=order.events.get())
    assert Notification.objects.count() == 1


def test_internal_notes_and_takes_send_nothing(world: World) -> None:
    order = repair(world)
    order_act(
        actor=world.users["dispatcher"],
        number=order.number,
        action="dispatch",
        team_id=world.team_1.pk,
    )
    order_act(actor=world.users["crew"], number=order.number, action="take")
    order_act(actor=world.users["crew"], number=order.number, action="pause", public=False)
    assert Notification.objects.count() == 2  # created, dispatch


def test_an_order_without_a_customer_sends_nothing(world: World) -> None:
    order_create(
        actor=world.users["agent_s1"],
        draft=OrderDraft(
            order_type="fault_repair", origin="hotline", title="路灯不亮", transformer_code="TR1"
        ),
    )
    assert WorkOrder.objects.get().customer_id is None
    assert Notification.objects.count() == 0


def test_a_merged_childs_customer_gets_the_parents_updates(world: World) -> None:
    parent = repair(world, actor="agent_s1")
    child = order_create(
        actor=world.users["bob"],
        draft=OrderDraft(
            order_type="fault_repair", origin="web", title="也没电", account_number="3100000000002"
        ),
    )
    # Merging is the triage helper's; the rows it leaves behind are what counts here.
    WorkOrder.objects.filter(pk=child.pk).update(state="merged", parent=parent)
    order_act(
        actor=world.users["agent_s1"],
        number=parent.number,
        action="dispatch",
        team_id=world.team_1.pk,
    )
    bob = Notification.objects.filter(customer=world.customer_bob).order_by("id")
    assert [n.template.code for n in bob] == [
        "service.progress.created",
        "service.progress.dispatch",
    ]
    assert child.number in bob[1].body
    assert parent.number not in bob[1].body
