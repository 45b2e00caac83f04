"""Console pages of the assistant: the bot's conversations (filters, handoffs counted by
reason) and one session's transcript with what the bot understood and did. Read-only,
masked, within the reader's org scope (assistant.selectors.sessions)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridcare.assistant.choices import HandoffReason, SessionStatus
from gridcare.assistant.nlu import INTENTS
from gridcare.assistant.selectors import sessions as selectors
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_date, parse_int
from gridcare.core.roles import VIEW_ASSISTANT
from gridcare.core.web import page_not_found, staff_required


@staff_required(VIEW_ASSISTANT)
def sessions_view(request: HttpRequest) -> HttpResponse:
    """智能客服会话: filter by status, intent, handoff reason and the day it started."""
    assert isinstance(request.user, User)
    get = request.GET
    filters = selectors.SessionFilters(
        status=parse_choice(get.get("status"), field="status", choices=SessionStatus, default=""),
        intent=parse_choice(get.get("intent"), field="intent", choices=INTENTS, default=""),
        reason=parse_choice(get.get("reason"), field="reason", choices=HandoffReason, default=""),
        since=parse_date(get.get("since"), field="since"),
        until=parse_date(get.get("until"), field="until"),
    )
    found = selectors.session_search(user=request.user, filters=filters)
    number = parse_int(get.get("page"), field="page", default=1, minimum=1)
    page = Paginator(found, selectors.PAGE_SIZE).get_page(number)
    query = {
        "status": filters.status,
        "intent": filters.intent,
        "reason": filters.reason,
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
    }
    counts = selectors.handoff_counts(sessions=found)
    context = {
        "page": page,
        "rows": [
            (s, selectors.intent_label(s.handoff_intent) if s.handoff_intent else "")
            for s in page.object_list
        ],
        "filters": filters,
        "query": urlencode({k: v for k, v in query.items() if v}),
        "statuses": SessionStatus.choices,
        "reasons": HandoffReason.choices,
        "intents": [(i, selectors.intent_label(i)) for i in INTENTS],
        "handoffs": [
            (label, counts[value]) for value, label in HandoffReason.choices if value in counts
        ],
    }
    return render(request, "console/assistant/sessions.html", context)


@staff_required(VIEW_ASSISTANT)
def session_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """One bot conversation: each line with its intent, confidence, FAQ entry and action."""
    assert isinstance(request.user, User)
    try:
        session = selectors.session_get_for_user(user=request.user, session_id=session_id)
    except DomainError:
        return page_not_found(request)
    context = {
        "session": session,
        "sender": selectors.mask_sender(session.sender),
        "lines": selectors.session_transcript(session=session),
        "handoff_intent": selectors.intent_label(session.handoff_intent)
        if session.handoff_intent
        else "",
    }
    return render(request, "console/assistant/session.html", context)
