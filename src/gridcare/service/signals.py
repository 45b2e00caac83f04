"""Signals of the service app, for its own modules that the hooks cannot import (the
services package keeps no import cycles)."""

from __future__ import annotations

from django.dispatch import Signal

#: An order was accepted (sent by hooks.after_create, in its transaction): kwargs `order`.
order_created = Signal()
