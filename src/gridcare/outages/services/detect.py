"""Detection: correlate the current power events into unplanned outages and write them.

`detect_run` reads a snapshot of the judged feeders (selectors.detect), lets the engine
(engine.correlate) decide, and applies the decisions in one transaction:

- open: an Outage (kind unplanned, state active, number TD…), its 台区 as OutageScope rows,
  one OutageCustomer per account behind them (off_at = the meter's own power_off device
  time when it sent one within the window, else the outage start), the ETR (engine.etr) —
  so the estimate exists in the same run as the detection —, events `detected`, `etr_set`;
- grow / absorb / shrink: scope rows and customers added or moved, restoration times kept;
- per-customer restoration: on_at from the meter's power_on device time;
- close: state restored, restored_at, every customer still open restored then;
- customer faults (level customer): opened quietly, cleared when the meter comes back;
- power events of the judged 台区 get `correlated_at` and, where one explains them, `outage`.

Still in the transaction, the signals service listens to (one repair order per outage);
after the commit, in a transaction of their own, the proactive notices (services.notices).
Feeders are locked (select_for_update) so two listeners finishing batches at once never
open the same outage twice. The writing is services.detect_apply's.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gridcare.grid.models import Feeder
from gridcare.outages.engine import correlate as engine
from gridcare.outages.models import Outage
from gridcare.outages.selectors.detect import detect_feeders, detect_snapshot
from gridcare.outages.services import notices
from gridcare.outages.services.detect_apply import DecisionWriter, DetectResult

logger = logging.getLogger("gridcare.outages")


def thresholds() -> engine.Thresholds:
    return engine.Thresholds(
        window=timedelta(seconds=settings.OUTAGES_WINDOW_SECONDS),
        transformer_share=settings.OUTAGES_TRANSFORMER_SHARE,
        feeder_share=settings.OUTAGES_FEEDER_SHARE,
        feeder_min_transformers=settings.OUTAGES_FEEDER_MIN_TRANSFORMERS,
        transformer_min_meters=settings.OUTAGES_TRANSFORMER_MIN_METERS,
        customer_settle=timedelta(seconds=settings.OUTAGES_CUSTOMER_FAULT_SETTLE_SECONDS),
    )


def detect_run(
    *,
    transformer_ids: Collection[int] | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> DetectResult:
    """Judge the feeders of `transformer_ids` (None: every feeder with something off or
    open) and write what changed; then, in a transaction of their own, the notices due
    (with `notify=False` they are left in `notices_due` for `detect_notices_send`).

    Two transactions so the outage is visible (board, banner, repair order) as soon as it
    is decided, without waiting for thousands of messages to be rendered; a notice step
    that fails is made good by the next run (the customers' `notified_at` is still empty)."""
    now = now or timezone.now()
    result, outage_ids = _detect(transformer_ids, now)
    if notify:
        detect_notices_send(outage_ids=outage_ids, now=now)
    else:
        result.notices_due = outage_ids
    return result


def detect_notices_send(*, outage_ids: Collection[int], now: datetime | None = None) -> None:
    """The notices due of these outages, one outage per transaction."""
    now = now or timezone.now()
    for outage_id in sorted(set(outage_ids)):
        with transaction.atomic():
            # Locked: two runs of the feeder (two listeners) must not both send.
            outage = (
                Outage.objects.select_for_update(of=("self",))
                .select_related("feeder", "transformer")
                .get(pk=outage_id)
            )
            notices.outage_notices_send(outage=outage, now=now)


@transaction.atomic
def _detect(
    transformer_ids: Collection[int] | None, now: datetime
) -> tuple[DetectResult, list[int]]:
    feeder_ids = detect_feeders(transformer_ids=transformer_ids, now=now)
    result = DetectResult(feeders=len(feeder_ids))
    if not feeder_ids:
        return result, []
    list(Feeder.objects.select_for_update().filter(pk__in=feeder_ids).order_by("pk"))
    snapshot, directory = detect_snapshot(feeder_ids=feeder_ids, now=now)
    decisions = engine.correlate(snapshot, thresholds())
    applied = DecisionWriter(snapshot, directory, now, result)
    applied.run(decisions)
    return result, applied.notice_outage_ids()


def detect_periodic() -> None:
    """What `gridcare worker` runs every minute: every feeder, in case a batch's own run
    failed or a restoration came without new events."""
    result = detect_run()
    if result.opened or result.restored:
        logger.info("Outage detection: %s", result.as_dict())
