"""The duty wall (值班大屏), refreshed by htmx polling.

Why polling and not server-sent events: the console runs on WSGI workers, and an SSE
stream holds one worker for as long as a wall is open (a duty room, a manager's phone and
a lobby screen would each pin one all day). A poll is an ordinary short request: stateless,
cacheable, it survives proxies and reconnects by itself, and every
MONITORING_WALL_POLL_SECONDS (15 s) is fresh enough for a duty room, where an order's
commitment runs in tens of minutes. The outage board works the same way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridcare.console.monitoring_charts import channel_label, order_type_label
from gridcare.core.models import User
from gridcare.core.roles import VIEW_WALL
from gridcare.core.web import staff_required
from gridcare.monitoring.selectors.wall import duty_wall


def _context(user: User) -> dict[str, Any]:
    wall = duty_wall(user=user)
    most = max((c.total for c in wall.contacts), default=0)
    return {
        "wall": wall,
        "contacts": [
            (channel_label(c.channel), c, round(100 * c.total / most) if most else 0)
            for c in wall.contacts
        ],
        "orders": [(order_type_label(o.order_type), o) for o in wall.orders],
        "risk_rows": [(order_type_label(c.order_type), c) for c in wall.risk.next_to_expire],
        "poll_seconds": settings.MONITORING_WALL_POLL_SECONDS,
    }


@staff_required(VIEW_WALL)
def wall_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """值班大屏: today's contacts, open and overdue orders, live outages, SLA risk and
    today's alerts within the reader's scope."""
    assert isinstance(request.user, User)
    return render(request, "console/monitoring/wall.html", _context(request.user))


@staff_required(VIEW_WALL)
def wall_live_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """htmx GET: the wall's body, swapped in every poll."""
    assert isinstance(request.user, User)
    return render(request, "console/monitoring/wall_live.html", _context(request.user))
