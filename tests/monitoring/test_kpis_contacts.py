"""Contact, customer, assistant, notification and payment KPIs on the hand-computed world
(tests/monitoring/kpi_world.py), read through the facts as the dashboards read them."""

from __future__ import annotations

import pytest

from gridcare.monitoring.selectors.facts import Period, customers_served, kpi_breakdown, kpi_value

from .kpi_world import DAY_AFTER, D, KpiWorld

ON_D = Period(D, D)


def test_contacts_are_inbound_contacts_on_their_beijing_day(kpi_world: KpiWorld) -> None:
    # alice hotline + wechat, bob counter, dave portal (23:30), carol counter; the SMS
    # notice to alice is outbound and not a contact.
    found = kpi_value("contacts", unit=None, period=ON_D)
    assert found.value == 5
    by_channel = {c: v.value for c, v in kpi_breakdown("contacts", unit=None, period=ON_D, by="channel")}  # fmt: skip
    assert by_channel == {"counter": 2.0, "hotline": 1.0, "portal": 1.0, "wechat": 1.0}
    assert kpi_value("contacts", unit=None, period=ON_D, key="inbound").value == 5


def test_a_contact_counts_for_its_account_else_the_customers_else_the_bureau(
    kpi_world: KpiWorld,
) -> None:
    w = kpi_world.world
    per_unit = dict(kpi_breakdown("contacts", unit=None, period=ON_D, by="org_unit"))
    # S1: alice ×2 (the wechat one without an account, by her account A); S2: bob, carol;
    # the bureau itself: dave, who has no account.
    assert {pk: v.value for pk, v in per_unit.items()} == {
        w.station_1.pk: 2.0,
        w.station_2.pk: 2.0,
        w.bureau.pk: 1.0,
    }


def test_repeat_contacts_had_an_inbound_contact_in_the_30_days_before(
    kpi_world: KpiWorld,
) -> None:
    # alice 20:00 (after 09:00) and bob 10:00 (hotline 20 days earlier) of 5.
    found = kpi_value("repeat_contacts", unit=None, period=ON_D)
    assert (found.n, found.d, found.value) == (2, 5, 40.0)


def test_hall_times_are_mean_seconds_for_the_clerks_hall(kpi_world: KpiWorld) -> None:
    w = kpi_world.world
    assert kpi_value("hall_wait", unit=None, period=ON_D).value == 600.0  # (300 + 900) / 2
    assert kpi_value("hall_service", unit=None, period=ON_D).value == 450.0  # (600 + 300) / 2
    # Bob was served by S1's clerk: the visit counts for S1's hall, not his account's S2.
    assert kpi_value("hall_wait", unit=w.station_1, period=ON_D).value == 300.0
    assert kpi_value("hall_wait", unit=w.station_2, period=ON_D).value == 900.0


def test_customers_are_a_daily_snapshot_of_accounts_in_service(kpi_world: KpiWorld) -> None:
    w = kpi_world.world
    assert customers_served(unit=None, on=D) == 3
    assert customers_served(unit=w.station_2, on=D) == 2
    assert customers_served(unit=w.station_1, on=DAY_AFTER) == 1


def test_assistant_containment_and_handoff_reasons(kpi_world: KpiWorld) -> None:
    found = kpi_value("bot_containment", unit=None, period=ON_D)
    assert (found.n, found.d) == (1, 3)
    assert found.value == pytest.approx(33.33, abs=0.01)
    reasons = {k: v.value for k, v in kpi_breakdown("bot_handoffs", unit=None, period=ON_D, by="key")}  # fmt: skip
    assert reasons == {"anger": 1.0, "asked": 1.0}
    assert kpi_value("bot_containment", unit=None, period=ON_D, channel="web_chat").value == 50.0


def test_notification_delivery_is_sent_of_finished_attempts(kpi_world: KpiWorld) -> None:
    # sent ×2, failed ×1; queued (under way) and suppressed (never attempted) left out.
    found = kpi_value("notify_delivery", unit=None, period=ON_D)
    assert (found.n, found.d) == (2, 3)
    assert kpi_value("notify_delivery", unit=None, period=ON_D, channel="sms").value == 50.0


def test_payments_count_and_mean_amount_by_provider(kpi_world: KpiWorld) -> None:
    # 100.50 wechat, 200.00 alipay (refunded later: still paid that day), 50.00 cash.
    assert kpi_value("payments", unit=None, period=ON_D).value == 3
    mean = kpi_value("payment_amount", unit=None, period=ON_D)
    assert mean.total == pytest.approx(350.5)
    assert mean.value == pytest.approx(116.83, abs=0.01)
    shares = {c: v.value for c, v in kpi_breakdown("payments", unit=None, period=ON_D, by="channel")}  # fmt: skip
    assert shares == {"alipay": 1.0, "counter_cash": 1.0, "wechat": 1.0}
    assert kpi_value("payments", unit=None, period=Period(DAY_AFTER, DAY_AFTER)).value == 1
