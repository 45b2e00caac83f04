"""Proactive notices of unplanned outages: one per affected customer on the preferred
channel, urgent (quiet hours yield), then the restoration notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from gridcare.customers.models import ConsentRecord, ContactPreference
from gridcare.customers.services import account_attach_meter, account_open
from gridcare.grid.services import meter_install
from gridcare.notify.models import Notification
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.services.detect import detect_run
from gridcare.testing.personas import World
from tests.outages.detect_factory import area_add, meters_of, meters_off, meters_on, terminal_event

# 02:15 Beijing: inside the default quiet hours (22:00–08:00).
NIGHT = datetime(2026, 12, 6, 18, 15, tzinfo=UTC)


def detected() -> list[Notification]:
    return list(Notification.objects.filter(template__code="outages.detected").order_by("pk"))


def test_each_customer_hears_once_on_their_channel_even_at_night(world: World) -> None:
    ContactPreference.objects.create(customer=world.customer_alice, channels=["portal"])
    terminal_event(world.transformer_1, "power_off", NIGHT)
    detect_run(now=NIGHT + timedelta(minutes=1))
    outage = Outage.objects.get(state="active")

    [message] = detected()
    assert message.account_id == world.account_a.pk
    assert message.channel == "portal"
    assert message.urgent
    assert message.status == "queued"  # the quiet hours yield: the customer is in the dark
    assert message.idempotency_key == f"outage:{outage.number}:{world.account_a.number}:detected"
    assert outage.number in message.body
    assert "估算" in message.body
    assert "石牌1号台区" in message.body
    assert "02:15" in message.body
    assert OutageCustomer.objects.get(outage=outage).notified_at is not None

    detect_run(now=NIGHT + timedelta(minutes=2))
    assert len(detected()) == 1


def test_restoration_notice_follows_and_waits_for_the_morning(world: World) -> None:
    area = area_add(world, feeder=world.feeder_1, code="TRA")
    meters = meters_of(area)
    meters_off(meters, NIGHT)
    detect_run(now=NIGHT + timedelta(minutes=1))
    assert len(detected()) == 5

    meters_on(meters[:2], NIGHT + timedelta(minutes=40))
    detect_run(now=NIGHT + timedelta(minutes=41))
    restored = list(Notification.objects.filter(template__code="outages.restored"))
    assert len(restored) == 2
    assert all(n.status == "deferred" for n in restored)  # not urgent: after 08:00
    assert all("02:55" in n.body for n in restored)

    meters_on(meters[2:], NIGHT + timedelta(minutes=50))
    detect_run(now=NIGHT + timedelta(minutes=51))
    assert Notification.objects.filter(template__code="outages.restored").count() == 5
    assert Outage.objects.get(level="transformer").state == "restored"


def test_a_growing_outage_tells_only_the_customers_it_reaches_anew(world: World) -> None:
    tra = area_add(world, feeder=world.feeder_1, code="TRA")
    trb = area_add(world, feeder=world.feeder_1, code="TRB")
    meters_off(meters_of(tra), NIGHT)
    detect_run(now=NIGHT + timedelta(minutes=1))
    meters_off(meters_of(trb), NIGHT + timedelta(minutes=1))
    detect_run(now=NIGHT + timedelta(minutes=2))
    messages = detected()
    assert len(messages) == 10
    assert len({m.account_id for m in messages}) == 10


def test_a_customer_who_refused_outage_notices_gets_none(world: World) -> None:
    ConsentRecord.objects.create(customer=world.customer_alice, purpose="outage", granted=False)
    terminal_event(world.transformer_1, "power_off", NIGHT)
    detect_run(now=NIGHT + timedelta(minutes=1))
    [message] = detected()
    assert (message.status, message.reason) == ("suppressed", "no_consent")


def test_a_customer_with_two_accounts_in_the_outage_hears_once(world: World) -> None:
    second = meter_install(actor=None, transformer=world.transformer_1, asset_number="MA0009")
    account = account_open(
        actor=None,
        customer=world.customer_alice,
        number="3100000000009",
        premise=world.account_a.premise,
        supply_unit=world.station_1,
        tariff_class="residential",
        contracted_capacity_kva=Decimal("8.0"),
    )
    account_attach_meter(actor=None, account=account, meter=second)
    terminal_event(world.transformer_1, "power_off", NIGHT)
    detect_run(now=NIGHT + timedelta(minutes=1))
    [message] = detected()
    assert world.account_a.number in message.body
    assert "3100000000009" in message.body
    assert Outage.objects.get(state="active").affected_count == 2
