"""Two listeners finish batches of the same feeder at the same moment, each running
detection on its own database connection: one outage, one repair order, one message per
customer (the feeder rows are locked for the run).

SQLite serialises writers for the whole database, so this race cannot happen there.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from gridcare.notify.models import Notification
from gridcare.outages.models import Outage
from gridcare.outages.services.pipeline import after_ingest
from gridcare.service.models import WorkOrder
from gridcare.testing.personas import World
from tests.outages.detect_factory import area_add, meters_of, meters_off

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite locks the whole database per writer: no concurrent detection to race",
    ),
]


def test_two_runs_at_once_open_one_outage(world: World) -> None:
    tra = area_add(world, feeder=world.feeder_1, code="TRA")
    trb = area_add(world, feeder=world.feeder_1, code="TRB")
    meters_off(meters_of(tra) + meters_of(trb), timezone.now() - timedelta(seconds=5))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(transformer_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            after_ingest(transformer_ids=[transformer_id])
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(tr.pk,)) for tr in (tra, trb)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    [outage] = Outage.objects.filter(kind="unplanned").exclude(state="cancelled")
    assert (outage.level, outage.affected_count) == ("feeder", 10)
    assert WorkOrder.objects.filter(source_ref=f"outage:{outage.number}").count() == 1
    assert Notification.objects.filter(template__code="outages.detected").count() == 10
