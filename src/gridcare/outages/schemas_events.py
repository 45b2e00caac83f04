"""Schemas of POST /api/v1/outages/events (docs/api.md, docs/data-formats.md "Power events")."""

from __future__ import annotations

from typing import Any

from ninja import Schema

EVENT_EXAMPLE = {
    "device": "MA0001",
    "device_kind": "meter",
    "event": "power_off",
    "time": "2026-12-06T10:15:03+08:00",
    "seq": 123,
}


def events_body_schema(max_items: int) -> dict[str, Any]:
    """The request body as the OpenAPI document states it. Elements are not constrained
    here on purpose: each is parsed on its own and a bad one is dead-lettered with its
    reason (the answer lists it), never a reason to refuse the whole batch."""
    return {
        "type": "array",
        "maxItems": max_items,
        "items": {
            "description": "One power event: device, device_kind (meter|terminal), "
            "event (power_off|power_on), time (ISO 8601), seq (optional)",
            "example": EVENT_EXAMPLE,
        },
        "example": [EVENT_EXAMPLE],
    }


class EventRejectionOut(Schema):
    index: int
    reason: str
    detail: str


class EventsStoredOut(Schema):
    stored: int
    duplicates: int
    dead_letters: int
    rejections: list[EventRejectionOut]
