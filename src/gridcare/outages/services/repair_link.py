"""What the service app writes back onto an outage: its one repair work order, and each
repair call merged into it (service sits above outages and calls these)."""

from __future__ import annotations

from gridcare.outages.choices import OutageEventKind
from gridcare.outages.models import Outage
from gridcare.outages.services.records import outage_event_add


def outage_repair_order_set(*, outage: Outage, order_number: str) -> None:
    Outage.objects.filter(pk=outage.pk).update(repair_order_number=order_number)
    outage.repair_order_number = order_number
    outage_event_add(
        outage=outage, kind=OutageEventKind.ORDER_LINKED, data={"repair_order": order_number}
    )


def outage_order_linked(*, outage: Outage, order_number: str) -> None:
    """A customer's repair call was merged into the outage's repair order."""
    outage_event_add(
        outage=outage, kind=OutageEventKind.ORDER_LINKED, data={"merged_order": order_number}
    )
