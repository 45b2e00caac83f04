"""A worker is killed (SIGKILL) in the middle of a 10,000-message batch and started again:
every message reaches the fake gateway exactly once. Real processes: the gateway served by
Django's server, two `gridcare worker` processes, the test database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import Sum
from django.utils import timezone

from gridcare.notify.models import GatewayReceipt, Notification
from gridcare.notify.services import MessageRequest, notifications_enqueue
from gridcare.testing.processes import Fleet, database_url, wait_until
from tests.notify.conftest import DAYTIME, outage_context

MESSAGES = 10_000


@pytest.mark.django_db(transaction=True)
def test_killed_worker_loses_nothing_and_sends_nothing_twice(
    world, templates, settings, tmp_path: Path
) -> None:
    settings.NOTIFY_CUSTOMER_DAILY_LIMIT = MESSAGES
    customers = [world.customer_alice.pk, world.customer_bob.pk]
    requests = [
        MessageRequest(customers[i % 2], f"outage:1:{i}", outage_context()) for i in range(MESSAGES)
    ]
    notifications_enqueue(
        actor=None, requests=requests, template_code="outage.planned", batch="kill", now=DAYTIME
    )
    # Due from now on: DAYTIME lies in the past, and the sweep would take older rows for
    # messages whose task died.
    Notification.objects.update(next_attempt_at=timezone.now())
    fleet = Fleet(
        database_url(),
        env_extra={"GRIDCARE_NOTIFY_LEASE_SECONDS": "30"},
        log_dir=tmp_path,
    )
    # The workers' periodic jobs may send messages of their own (the billing cycle's
    # low-balance notice to a prepaid persona): count this batch's.
    mine = Notification.objects.filter(batch="kill")
    sent = mine.filter(status="sent")
    try:
        fleet.start_gateway()
        fleet.start_worker("w1")
        fleet.start_worker("w2")
        assert wait_until(lambda: sent.count() >= MESSAGES // 4, timeout=120), _logs(tmp_path)
        fleet.kill("w1")
        killed_at = sent.count()
        assert killed_at < MESSAGES  # it died with work left
        fleet.start_worker("w1-restarted")
        assert wait_until(lambda: sent.count() == MESSAGES, timeout=240), _logs(tmp_path)
    finally:
        fleet.stop()
    assert mine.exclude(status="sent").count() == 0
    receipts = GatewayReceipt.objects.filter(idempotency_key__startswith="outage:1:")
    assert receipts.count() == MESSAGES  # one receipt per key: nothing lost, nothing twice
    assert set(receipts.values_list("idempotency_key", flat=True)) == {
        r.idempotency_key for r in requests
    }
    # A message the dead worker had handed to the gateway came again under the same key and
    # was recognised there; any such resend is counted, never delivered.
    resent = receipts.aggregate(n=Sum("duplicates"))["n"] or 0
    assert resent <= 100  # at most the batch the killed worker was in


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(folder.glob("*.log")))
