"""What runs after a batch of power events is stored (the listener and the HTTP endpoint
call this): correlation of the touched 台区 (services.detect). Kept apart so ingest does not
import detection's internals."""

from __future__ import annotations

from collections.abc import Collection

from gridcare.outages.services.detect import DetectResult, detect_run


def after_ingest(*, transformer_ids: Collection[int], notify: bool = True) -> DetectResult | None:
    """Correlate the feeders of the 台区 whose meters or terminals just reported: outages
    open, grow, shrink and close, notices and the repair order follow (services.detect).
    Call it after the batch is committed: detection commits the outage before it renders
    the notices, which only helps outside a caller's transaction. `notify=False` leaves
    the notices in the result's `notices_due` (the listener sends them once its inbox is
    empty, so a storm's later batches widen the outage before thousands of messages are
    rendered)."""
    if not transformer_ids:
        return None
    return detect_run(transformer_ids=transformer_ids, notify=notify)
