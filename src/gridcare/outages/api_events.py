"""POST /api/v1/outages/events: the HTTP twin of the MQTT listener for head-end systems
that push power events in batches. Thin: parse the body → services.ingest.events_store."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest
from ninja import Router

from gridcare.core.api_support import AUTH, acting_user, require_staff_perm
from gridcare.core.errors import DomainError
from gridcare.core.roles import POST_POWER_EVENTS
from gridcare.core.schemas import ERRORS
from gridcare.outages.choices import EventSource
from gridcare.outages.schemas_events import (
    EventRejectionOut,
    EventsStoredOut,
    events_body_schema,
)
from gridcare.outages.services.ingest import RawEvent, events_store

router = Router(tags=["outages"], auth=AUTH)


@router.post(
    "/events",
    response={200: EventsStoredOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": events_body_schema(settings.OUTAGES_HTTP_MAX_EVENTS)}
            },
            "required": True,
        }
    },
)
def events_post(request: HttpRequest) -> EventsStoredOut:
    """Store a batch of power events (a JSON array of at most 10,000; permission
    `outages.add_powerevent`, an integrator's token).

    Each element is an event as on MQTT (docs/data-formats.md "Power events"). Events
    already stored count as duplicates; an element that is not a valid event of a known
    device is dead-lettered and listed under `rejections` with its position and reason.
    Sending the same batch twice stores nothing more. Detection runs on the touched 台区.
    """
    require_staff_perm(acting_user(request), POST_POWER_EVENTS)
    body = _events_array(request.body)
    result = events_store([RawEvent(payload=item) for item in body], source=EventSource.HTTP)
    return EventsStoredOut(
        **result.counts(),
        rejections=[
            EventRejectionOut(index=r.index, reason=r.reason, detail=r.detail)
            for r in result.rejections
        ],
    )


def _events_array(raw: bytes) -> list[object]:
    """The body as a list of decoded elements: a JSON array within the size limit."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DomainError(
            "outages.events.malformed_json", "请求内容不是有效的 JSON", field="body"
        ) from None
    if not isinstance(body, list):
        raise DomainError(
            "outages.events.not_an_array", "请求内容应为停上电事件的 JSON 数组", field="body"
        )
    limit = settings.OUTAGES_HTTP_MAX_EVENTS
    if len(body) > limit:
        raise DomainError(
            "outages.events.too_many",
            f"一次最多提交 {limit} 条事件，本次 {len(body)} 条",
            field="body",
        )
    return body
