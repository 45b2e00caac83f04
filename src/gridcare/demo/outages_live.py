"""The demo's live outage: a feeder trip replayed through the production path.

The simulator's storm (jitter, a few events lost and repeated, clocks off by minutes) for
the live feeder goes through `events_store` — the listener's own service — so detection,
the customers' messages, the repair order and the calls merged into it are what a real trip
makes. It starts `LIVE_MINUTES_AGO` before the build, so the board, the banners and the
portal show an outage in progress. A rebuild adds none while one is still active.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from gridcare.demo.outages import live_outage_feeder
from gridcare.demo.topology import OrgTree
from gridcare.outages.choices import EventSource, OutageKind, OutageState
from gridcare.outages.engine.simulate import feeder_trip
from gridcare.outages.models import Outage
from gridcare.outages.selectors.devices import feeder_layouts
from gridcare.outages.services.ingest import RawEvent, events_store

LIVE_MINUTES_AGO = 40
LIVE_SEED = 2612


def demo_live_outage_create(*, tree: OrgTree, now: datetime) -> Outage | None:
    """Trip the live feeder `LIVE_MINUTES_AGO` before `now`; returns the outage detected
    (the active one already there, if a previous build left it running)."""
    feeder = live_outage_feeder(tree)
    if feeder is None:
        return None
    running = _active_on(feeder.code)
    if running is not None:
        return running
    layout = feeder_layouts(codes=[feeder.code])[0]
    items = feeder_trip(
        layout,
        start=now - timedelta(minutes=LIVE_MINUTES_AGO),
        seed=LIVE_SEED,
        prefix=settings.OUTAGES_MQTT_TOPIC_PREFIX,
    )
    batch = [RawEvent(item.payload, item.topic, received_at=item.at) for item in items]
    events_store(batch, source=EventSource.SIMULATOR, now=now)
    return _active_on(feeder.code)


def _active_on(feeder_code: str) -> Outage | None:
    return (
        Outage.objects.filter(
            kind=OutageKind.UNPLANNED, state=OutageState.ACTIVE, feeder__code=feeder_code
        )
        .order_by("-starts_at")
        .first()
    )
