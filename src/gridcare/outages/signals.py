"""What detection announces to the apps above it (service opens and closes the repair
order): outages sits below service and cannot call it, so it sends these, inside the
detection transaction (a receiver that fails must not lose the outage: they log instead).

- `unplanned_outage_opened(outage)`: a feeder or 台区 outage was detected.
- `unplanned_outage_absorbed(outage, into)`: a 台区 outage became part of a feeder outage
  (its customers and scope moved to `into`; it is cancelled).
- `unplanned_outage_restored(outage)`: it closed (every customer restored).
"""

from __future__ import annotations

from django.dispatch import Signal

unplanned_outage_opened = Signal()
unplanned_outage_absorbed = Signal()
unplanned_outage_restored = Signal()
