"""Reads of the bot's conversations: the console's list and session page (within the
reader's org scope, personal data masked) and the portal chat's current session.

Scope: staff holding `assistant.view_botsession` see the sessions of customers with an
account supplied by a unit of their subtree; sessions of senders not bound to any customer
have no place in the org tree, so only readers whose scope is a whole top-level unit see
them. Anything else is "not found", the same as a session that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.assistant.choices import SessionStatus, TurnSpeaker
from gridcare.assistant.models import BotSession, BotTurn
from gridcare.contact.choices import ConversationStatus
from gridcare.contact.selectors import conversation_messages, conversation_open_get
from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import User
from gridcare.core.privacy import mask_id_number, mask_mobile
from gridcare.core.roles import VIEW_ASSISTANT
from gridcare.core.selectors import org_units_in_scope

#: What each intent is called on staff screens.
INTENT_LABELS = {
    "bill_query": _("Bill enquiry"),
    "payment": _("Payment"),
    "reconnect": _("Reconnection after arrears"),
    "tariff_policy": _("Tariff policy"),
    "outage_query": _("Outage enquiry"),
    "fault_report": _("Fault report"),
    "new_connection": _("New connection"),
    "capacity_change": _("Capacity change"),
    "account_change": _("Account change"),
    "meter_issue": _("Meter issue"),
    "invoice": _("Invoice"),
    "complaint": _("Complaint"),
    "suggestion": _("Suggestion"),
    "praise": _("Praise"),
    "pv_connection": _("Solar (PV) connection"),
    "ev_charging": _("EV charging"),
    "energy_saving": _("Energy saving"),
    "account_binding": _("Account binding"),
    "human_agent": _("Asked for an agent"),
    "greeting": _("Greeting"),
    "goodbye_thanks": _("Goodbye / thanks"),
    "out_of_scope": _("Out of scope"),
}
PAGE_SIZE = 50
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def intent_label(intent: str) -> str:
    return str(INTENT_LABELS.get(intent, intent))


def mask_text(text: str) -> str:
    """A customer's words with the mobile and ID numbers they typed masked."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE.sub(lambda m: mask_mobile(m.group()), text)


def mask_sender(sender: str) -> str:
    """A platform user id (openid) keeps its first 4 and last 2 characters."""
    return sender if len(sender) <= 8 else f"{sender[:4]}…{sender[-2:]}"


def sessions_visible_to(user: User) -> QuerySet[BotSession]:
    if not user.is_authenticated or user.is_customer or not user.has_perm(VIEW_ASSISTANT):
        return BotSession.objects.none()
    units = org_units_in_scope(user)
    scope = Q(customer__accounts__supply_unit__in=units)
    if units.filter(parent__isnull=True).exists():
        scope |= Q(customer__isnull=True)
    return BotSession.objects.filter(pk__in=BotSession.objects.filter(scope).values("pk"))


@dataclass(frozen=True)
class SessionFilters:
    """The console list's filters, already parsed ("" / None: any)."""

    status: str = ""
    intent: str = ""
    reason: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def session_search(*, user: User, filters: SessionFilters) -> QuerySet[BotSession]:
    """The reader's sessions, latest activity first, with their turn counts; `intent`
    matches a session that handed off with it or in which a message had it. A period
    that ends before it starts is refused (400), as the reliability report does."""
    if filters.since and filters.until and filters.until < filters.since:
        raise DomainError(
            "assistant.sessions.bad_period", "结束日期不能早于开始日期", field="until"
        )
    found = sessions_visible_to(user)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.reason:
        found = found.filter(handoff_reason=filters.reason)
    if filters.intent:
        said = BotTurn.objects.filter(session=OuterRef("pk"), intent=filters.intent)
        found = found.filter(Q(handoff_intent=filters.intent) | Exists(said))
    if filters.since is not None:
        found = found.filter(started_at__gte=_day_start(filters.since))
    if filters.until is not None:
        found = found.filter(started_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    return (
        found.select_related("customer")
        .annotate(turn_count=Count("turns"))
        .order_by("-last_at", "-pk")
    )


def handoff_counts(*, sessions: QuerySet[BotSession]) -> dict[str, int]:
    """Handoffs per reason among `sessions` (the list's summary line)."""
    rows = (
        sessions.exclude(handoff_reason="")
        .order_by()
        .values_list("handoff_reason")
        .annotate(n=Count("pk", distinct=True))
    )
    return dict(rows)


def session_get_for_user(*, user: User, session_id: int) -> BotSession:
    session = sessions_visible_to(user).select_related("customer").filter(pk=session_id).first()
    if session is None:
        raise NotFound("assistant.session.not_found", "会话不存在")
    return session


@dataclass(frozen=True)
class TurnView:
    """One line of a session as staff read it (customer text masked)."""

    turn: BotTurn
    text: str
    intent_label: str
    faq_code: str


def session_transcript(*, session: BotSession) -> list[TurnView]:
    turns = session.turns.select_related("faq_entry").order_by("at", "pk")
    return [
        TurnView(
            turn=t,
            text=mask_text(t.text),
            intent_label=intent_label(t.intent) if t.intent else "",
            faq_code=t.faq_entry.code if t.faq_entry else str(t.data.get("faq_code", "")),
        )
        for t in turns
    ]


# --- The portal chat ---


def session_open_for(*, channel: str, sender: str) -> BotSession | None:
    """The sender's session still talking (with the bot or an agent), if any."""
    return (
        BotSession.objects.filter(
            channel=channel,
            sender=sender,
            status__in=(SessionStatus.ACTIVE, SessionStatus.HANDED_OFF),
        )
        .order_by("-started_at", "-pk")
        .first()
    )


def session_turns(*, session: BotSession) -> QuerySet[BotTurn]:
    """The session's lines, oldest first (the customer's own chat page: unmasked)."""
    return session.turns.order_by("at", "pk")


@dataclass(frozen=True)
class ChatLine:
    """One bubble of the customer's chat page (links: {label, path})."""

    speaker: str
    text: str
    at: dt.datetime
    links: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class ChatView:
    """The customer's chat page: the lines so far, the quick replies of the bot's last
    answer, and whether a person has the conversation (`waiting`: not yet claimed;
    `agent_left`: the agent closed it and the bot answers again)."""

    lines: list[ChatLine]
    options: tuple[str, ...]
    with_agent: bool = False
    waiting: bool = False
    agent_left: bool = False


def chat_view_for(*, channel: str, sender: str, customer_id: int) -> ChatView | None:
    """The sender's current conversation as the chat page shows it: the agent's
    conversation once the bot handed over, else the bot's lines; None before any."""
    session = session_open_for(channel=channel, sender=sender)
    if session is None or session.customer_id != customer_id:
        return None
    conversation_id = session.handoff_conversation_id
    if session.status == SessionStatus.HANDED_OFF and conversation_id is not None:
        conversation = conversation_open_get(conversation_id=conversation_id)
        if conversation is not None:
            lines = [
                ChatLine(m.speaker, m.text, m.at)
                for m in conversation_messages(conversation=conversation)
            ]
            waiting = conversation.status == ConversationStatus.OPEN
            return ChatView(lines, (), with_agent=True, waiting=waiting)
    turns = list(session_turns(session=session))
    lines = [
        ChatLine(t.speaker, t.text, t.at, tuple(t.data.get("links", ()))) for t in turns if t.text
    ]
    last = next((t for t in reversed(turns) if t.speaker == TurnSpeaker.ASSISTANT), None)
    options = tuple(last.data.get("options", ())) if last is not None else ()
    left = session.status == SessionStatus.HANDED_OFF
    return ChatView(lines, () if left else options, agent_left=left)
