"""Bot sessions and their turns: one session per (channel, sender) while it is active or
with an agent; every message of a sender is handled one at a time.

1. `session_lock` serialises a sender's messages for the transaction: on PostgreSQL a
   transaction-level advisory lock on the (channel, sender) key — it also covers the
   session that does not exist yet, which a row lock cannot; SQLite transactions begin
   IMMEDIATE (settings), so writers are serialised already.
2. `session_current` finds the sender's session, or starts one. A session idle for longer
   than `SESSION_IDLE` starts over (a "好的" tomorrow must not confirm today's order), and
   so does one of another customer (a login acting for a second customer).
3. `session_save` writes the state compare-and-set on `version`; a session changed by
   someone else meanwhile is a `ConcurrentChange` (409), never a lost update.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from gridcare.assistant.choices import SessionStatus, TurnSpeaker
from gridcare.assistant.models import BotSession, BotTurn
from gridcare.core.errors import ConcurrentChange
from gridcare.customers.choices import InteractionChannel, InteractionDirection
from gridcare.customers.services import interaction_record

SESSION_IDLE = timedelta(minutes=30)
OPEN = (SessionStatus.ACTIVE, SessionStatus.HANDED_OFF)
SUMMARY_MAX = 100


def session_lock(*, channel: str, sender: str) -> None:
    """Hold the sender's lock until the transaction ends (rule 1)."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"assistant:{channel}:{sender}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


def session_current(
    *, channel: str, sender: str, customer_id: int | None, now: datetime
) -> BotSession:
    """The sender's open session, or a new one (rule 2); the caller holds `session_lock`."""
    session = (
        BotSession.objects.select_for_update()
        .filter(channel=channel, sender=sender, status__in=OPEN)
        .order_by("-started_at", "-pk")
        .first()
    )
    stale = session is not None and (
        session.customer_id != customer_id
        or (session.status == SessionStatus.ACTIVE and now - session.last_at > SESSION_IDLE)
    )
    if session is not None and stale:
        session_end(session=session, now=now)
        session = None
    if session is None:
        session = BotSession.objects.create(
            channel=channel, sender=sender, customer_id=customer_id, started_at=now, last_at=now
        )
    return session


def session_timeline(*, session: BotSession, text: str) -> None:
    """Put a new session on the customer's timeline once (the first message's words)."""
    if session.customer_id is None:
        return
    interaction_record(
        actor=None,
        customer_id=session.customer_id,
        channel=InteractionChannel.CHATBOT,
        direction=InteractionDirection.INBOUND,
        summary=f"智能客服：{text[:SUMMARY_MAX]}" if text else "智能客服会话",
        body=text,
        occurred_at=session.started_at,
        external_id=f"bot-session:{session.pk}",
        links={"bot_session": session.pk},
    )


def session_save(*, session: BotSession, now: datetime, **changes: Any) -> None:
    """Write `changes` (state, status, handoff fields …) compare-and-set (rule 3)."""
    updated = BotSession.objects.filter(pk=session.pk, version=session.version).update(
        version=session.version + 1, last_at=now, **changes
    )
    if updated != 1:
        raise ConcurrentChange("assistant.session.changed", "会话已被更新，请重新发送消息")
    session.version += 1
    session.last_at = now
    for name, value in changes.items():
        setattr(session, name, value)


def session_end(*, session: BotSession, now: datetime | None = None) -> None:
    now = now or timezone.now()
    session_save(session=session, now=now, status=SessionStatus.ENDED, ended_at=now)


def turn_record(*, session: BotSession, speaker: str, text: str, **fields: Any) -> BotTurn:
    """One line of the conversation (`fields`: intent, confidence, entities, action …)."""
    assert speaker in TurnSpeaker.values
    return BotTurn.objects.create(session=session, speaker=speaker, text=text, **fields)


def turn_replayed(*, channel: str, sender: str, message_id: str) -> BotTurn | None:
    """The customer's turn already recorded for this platform message id (a retry)."""
    if not message_id:
        return None
    return (
        BotTurn.objects.filter(
            session__channel=channel,
            session__sender=sender,
            speaker=TurnSpeaker.CUSTOMER,
            data__message_id=message_id,
        )
        .order_by("pk")
        .first()
    )
