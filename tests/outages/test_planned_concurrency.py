"""Two planners publishing the same draft at once (real PostgreSQL, two connections):
one publishes, the other is told it is no longer a draft; the customers are told once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from gridcare.core.errors import DomainError
from gridcare.notify.models import Notification
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.services.planned import planned_publish
from gridcare.testing.personas import World, build_world
from tests.outages.planned_support import draft


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


def test_one_publish_wins(live_world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    outage = draft(live_world.users["manager"], starts_in=timedelta(days=10), feeders=("F2",))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish(name: str) -> None:
        barrier.wait()
        try:
            planned_publish(actor=live_world.users[name], outage=Outage.objects.get(pk=outage.pk))
            outcomes.append("published")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(n,)) for n in ("manager", "admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["outages.planned.bad_state", "published"]
    assert OutageCustomer.objects.filter(outage=outage).count() == 2
    assert Notification.objects.filter(batch=f"outage:{outage.number}").count() == 2
