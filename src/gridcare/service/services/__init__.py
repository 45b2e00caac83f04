"""Work-order use cases, one module per concern; import from here."""

from gridcare.service.services.intake import OrderDraft, order_create
from gridcare.service.services.lifecycle import order_act

__all__ = ["OrderDraft", "order_act", "order_create"]
