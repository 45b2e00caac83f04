"""Console agent inbox: waiting and held conversations, one conversation with its
transcript, and the claim / reply / transfer / close actions (thin over contact)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gridcare.assistant.choices import HandoffReason
from gridcare.assistant.selectors.sessions import intent_label
from gridcare.console.views_intake import intake_form_context
from gridcare.contact import conversations, selectors
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_int
from gridcare.core.roles import ADD_INTERACTION, ADD_ORDERS
from gridcare.core.web import page_not_found, staff_required
from gridcare.customers import selectors as customer_selectors
from gridcare.outages.selectors import board as outage_board
from gridcare.outages.selectors import live as outage_live
from gridcare.service import console_selectors
from gridcare.service.choices import Origin


@staff_required(ADD_INTERACTION)
def inbox_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    mine = (
        parse_choice(request.GET.get("mine"), field="mine", choices=("", "0", "1"), default="")
        == "1"
    )
    found = list(selectors.conversations_for(user=request.user, mine=mine)[:100])
    # An outage badge on each conversation whose customer is off now (one query for all).
    off = outage_board.outages_active_for_customers(customer_ids=[c.customer_id for c in found])
    rows = [(c, off.get(c.customer_id, "")) for c in found]
    return render(request, "console/inbox.html", {"rows": rows, "mine": mine})


@staff_required(ADD_INTERACTION)
def conversation_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        conversation = selectors.conversation_get_for_user(
            user=request.user, conversation_id=conversation_id
        )
    except DomainError:
        return page_not_found(request)
    error = None
    if request.method == "POST":
        try:
            _act(request, request.user, conversation.pk)
            return redirect("console:conversation", conversation_id=conversation.pk)
        except DomainError as exc:
            error = exc
    context = {
        "conversation": conversation,
        "outage_banners": _outage_banners(conversation.customer_id),
        "handoff_note": _handoff_note(conversation),
        # Not "messages": the base template shows that name as Django's flash messages.
        "lines": selectors.conversation_messages(conversation=conversation),
        "canned": selectors.canned_replies(),
        "colleagues": selectors.colleagues_of(user=request.user),
        "error": error,
        **_order_form(request.user, conversation.pk),
    }
    status = error.status if error is not None else 200
    return render(request, "console/conversation.html", context, status=status)


def _handoff_note(conversation: Any) -> dict[str, str]:
    """Why the assistant handed this conversation over: its intent and reason, labelled."""
    note = selectors.conversation_handoff_note(conversation=conversation)
    if not note:
        return {}
    reason = note["reason"]
    return {
        "intent": intent_label(note["intent"]) if note["intent"] else "—",
        "reason": str(HandoffReason(reason).label) if reason in HandoffReason.values else "—",
    }


def _order_form(user: User, conversation_id: int) -> dict[str, object]:
    """The 转工单 form, prefilled from the conversation (only for staff who may file orders)."""
    if not user.has_perm(ADD_ORDERS):
        return {}
    intake = console_selectors.conversation_intake(user=user, conversation_id=conversation_id)
    accounts = customer_selectors.customer_360(user=user, customer_id=intake.customer_id).accounts
    return {
        "order_intake": intake,
        "order_origin": Origin(intake.origin).label,
        "intake_accounts": accounts,
        **intake_form_context(title=intake.title),
    }


def _act(request: HttpRequest, user: User, conversation_id: int) -> None:
    action = request.POST.get("action", "")
    if action == "claim":
        conversations.conversation_claim(actor=user, conversation_id=conversation_id)
    elif action == "reply":
        conversations.conversation_reply(
            actor=user,
            conversation_id=conversation_id,
            text=request.POST.get("text", ""),
            canned_reply_id=parse_int(request.POST.get("canned"), field="canned"),
        )
    elif action == "transfer":
        to_id = parse_int(request.POST.get("to"), field="to")
        to = None if to_id is None else selectors.colleague_get(user=user, colleague_id=to_id)
        if to is None:
            raise DomainError("contact.conversation.bad_assignee", "请选择要转给的同事", field="to")
        conversations.conversation_transfer(actor=user, conversation_id=conversation_id, to=to)
    elif action == "close":
        conversations.conversation_close(actor=user, conversation_id=conversation_id)
    else:
        raise DomainError("contact.conversation.bad_action", "未知操作")


def _outage_banners(customer_id: int) -> list[tuple[str, outage_live.OutageBanner]]:
    """The outages the conversation's customer is off in now (the banner above it)."""
    numbers = outage_board.outages_active_for_customers(customer_ids=[customer_id])
    banner = outage_live.outage_banner(number=numbers[customer_id]) if numbers else None
    return [("", banner)] if banner else []
