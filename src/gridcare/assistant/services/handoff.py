"""Handing a bot conversation to a person (the agent inbox), and what the customer writes
afterwards.

- `session_handoff`: the transcript so far (the last `TRANSCRIPT_MAX` lines), the detected
  intent and the reason go to contact's `conversation_handoff`; the session records the
  same and the conversation it went to. A sender not bound to a customer cannot be
  handed over (the inbox is per customer): None, and the dialogue says how to bind or
  call 95598 instead.
- `session_relay`: while the session is with an agent, the customer's message joins that
  conversation — a portal login's through `web_chat_message` (timeline included), a
  platform sender's through `conversation_message_in`.
"""

from __future__ import annotations

from gridcare.assistant.choices import SessionStatus, TurnSpeaker
from gridcare.assistant.models import BotSession
from gridcare.contact.conversations import conversation_handoff, conversation_message_in
from gridcare.contact.selectors import conversation_is_open
from gridcare.contact.services import web_chat_message
from gridcare.core.models import User
from gridcare.customers.choices import InteractionChannel

#: How much of a long conversation the agent gets (the console keeps all of it).
TRANSCRIPT_MAX = 40
LINE_MAX = 1000
#: What the portal's web chat accepts per message (contact.web_chat_message).
RELAY_MAX = 1000


def session_handoff(*, session: BotSession, reason: str, intent: str, closing: str) -> int | None:
    """Hand the session to the inbox; returns the conversation id (None: not possible)."""
    if session.customer_id is None:
        return None
    turns = session.turns.order_by("at", "pk")
    lines = [(t.speaker, t.text[:LINE_MAX]) for t in turns if t.text and not t.data.get("relayed")][
        -TRANSCRIPT_MAX:
    ]
    lines.append((TurnSpeaker.ASSISTANT, closing))
    conversation = conversation_handoff(
        customer_id=session.customer_id,
        channel=session.channel,
        transcript=lines,
        intent=intent,
        reason=reason,
    )
    return conversation.pk


def session_with_agent(*, session: BotSession) -> bool:
    """Whether the session's conversation is still with the agent (not closed)."""
    return (
        session.status == SessionStatus.HANDED_OFF
        and session.handoff_conversation_id is not None
        and conversation_is_open(conversation_id=session.handoff_conversation_id)
    )


def session_relay(*, session: BotSession, user: User | None, text: str) -> None:
    """The customer's message to the agent's conversation."""
    assert session.customer_id is not None
    text = text[:RELAY_MAX]
    if session.channel == InteractionChannel.WEB_CHAT and user is not None and user.is_customer:
        web_chat_message(user=user, customer_id=session.customer_id, text=text)
        return
    conversation_message_in(customer_id=session.customer_id, channel=session.channel, text=text)
