"""The console's live outage board (停电监控) and one outage's page.

The board polls itself with htmx (`board/live/` every BOARD_POLL_SECONDS): outages change
on the scale of seconds to minutes, the fragment is small and server-rendered from the
same selector as the page, and a poll needs no extra process, port or proxy setup the
way a WebSocket or server-sent events stream would (docs/architecture.md, "Screens").
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.roles import VIEW_OUTAGES
from gridcare.core.web import page_not_found, staff_required
from gridcare.outages.selectors import board as board_selectors
from gridcare.service import merge_selectors


def _with_linked_calls(items: list[board_selectors.BoardOutage]) -> None:
    """Each outage's linked calls: the orders merged into its repair order (service app)."""
    numbers = [item.outage.repair_order_number for item in items if item.outage.repair_order_number]
    counts = merge_selectors.merged_order_counts(parent_numbers=numbers)
    for item in items:
        item.linked_calls = counts.get(item.outage.repair_order_number, 0)


def _board_context(user: User) -> dict[str, object]:
    board = board_selectors.outage_board(user=user)
    _with_linked_calls(board.active)
    return {
        "board": board,
        "now": timezone.now(),
        "poll_seconds": settings.OUTAGES_BOARD_POLL_SECONDS,
    }


@staff_required(VIEW_OUTAGES)
def board_view(request: HttpRequest) -> HttpResponse:
    """停电监控: what is off now in the reader's scope, drawn on the topology."""
    assert isinstance(request.user, User)
    return render(request, "console/outages/board.html", _board_context(request.user))


@staff_required(VIEW_OUTAGES)
def board_live_view(request: HttpRequest) -> HttpResponse:
    """htmx GET: the board's body, swapped in every poll."""
    assert isinstance(request.user, User)
    return render(request, "console/outages/board_live.html", _board_context(request.user))


@staff_required(VIEW_OUTAGES)
def outage_view(request: HttpRequest, number: str) -> HttpResponse:
    """One outage: the drawing, ETR and its basis, repair order and linked calls, history,
    and the affected accounts (404 outside the reader's scope)."""
    assert isinstance(request.user, User)
    try:
        detail = board_selectors.outage_detail(user=request.user, number=number)
    except DomainError:
        return page_not_found(request)
    _with_linked_calls([detail.item])
    context = {
        "detail": detail,
        "item": detail.item,
        "outage": detail.item.outage,
        "now": timezone.now(),
        "linked": merge_selectors.orders_merged_into_number(
            number=detail.item.outage.repair_order_number
        )[:50],
    }
    return render(request, "console/outages/board_outage.html", context)
