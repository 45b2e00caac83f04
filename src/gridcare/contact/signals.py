"""What contact announces to the apps above it (it may not import them; DESIGN.md's
layers). Receivers connect in their own `apps.py`."""

from __future__ import annotations

from django.dispatch import Signal

#: A customer's SMS reply was a 1–5 rating (the 95598 survey). Sent after the reply's
#: timeline entry commits, with `customer_id`, `rating` and `interaction_id`; service
#: applies it to the customer's open return visit.
rating_received = Signal()
