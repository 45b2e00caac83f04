"""`assistant_message`: one customer message in, the assistant's reply out — on every
channel (the portal chat, the WeChat/Alipay/app adapters through the API).

One transaction per message, serialised per sender (`sessions.session_lock`):

1. A platform retry (same channel, sender and `message_id`) gets the reply already given,
   and nothing runs again.
2. While the session is with an agent, the message goes to the agent's conversation
   (`handoff.session_relay`); once the agent has closed it, the bot answers again in a new
   session.
3. Otherwise the NLU reads the message, the policy (`dialogue_policy`) decides, and both
   lines are recorded (`BotTurn`: intent, confidence, entities, the FAQ entry or action,
   latency). A handoff the policy asks for is carried out here, with the transcript.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridcare.assistant.choices import SessionStatus, TurnSpeaker
from gridcare.assistant.models import BotSession, BotTurn, FaqEntry
from gridcare.assistant.nlu import Understanding
from gridcare.assistant.selectors.party import party_accounts
from gridcare.assistant.services.actions.base import Link, Party, Step, bind_link
from gridcare.assistant.services.dialogue_policy import Message, Policy
from gridcare.assistant.services.dialogue_words import option_intent
from gridcare.assistant.services.handoff import session_handoff, session_relay, session_with_agent
from gridcare.assistant.services.model import nlu_model
from gridcare.assistant.services.sessions import (
    session_current,
    session_end,
    session_lock,
    session_save,
    session_timeline,
    turn_record,
    turn_replayed,
)
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.customers.choices import InteractionChannel

#: Where a conversation with the assistant can come from (contact's channel names).
CHANNELS = (
    InteractionChannel.WEB_CHAT,
    InteractionChannel.WECHAT,
    InteractionChannel.ALIPAY,
    InteractionChannel.APP,
)
SENDER_MAX = 128
MESSAGE_ID_MAX = 128
#: The part of a message that is kept (a chat message, not a document; WeChat stops near
#: 2,048 bytes) and the part the NLU reads (a question is said in its first sentences).
TEXT_MAX = 2000
NLU_TEXT_MAX = 500
RELAYED = "您的消息已转给人工客服，请稍候，客服会在这里回复您。"
NO_AGENT = (
    "抱歉，转人工客服需要先绑定户号，客服才能为您查询和办理。请点击下方“绑定户号”，"
    "或直接拨打 95598 供电服务热线。"
)


@dataclass(frozen=True)
class BotReply:
    """What the customer sees: the text, quick replies to tap, links, whether a person has
    taken over, the session, and whether the assistant ended the conversation."""

    text: str
    options: tuple[str, ...]
    links: tuple[Link, ...]
    handed_off: bool
    session_id: int
    ended: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "options": list(self.options),
            "links": [link.as_dict() for link in self.links],
            "handed_off": self.handed_off,
            "ended": self.ended,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, session_id: int) -> BotReply:
        return cls(
            text=str(data.get("text", "")),
            options=tuple(data.get("options", ())),
            links=tuple(Link(str(x["label"]), str(x["path"])) for x in data.get("links", ())),
            handed_off=bool(data.get("handed_off")),
            session_id=session_id,
            ended=bool(data.get("ended")),
        )


@transaction.atomic(durable=True)
def assistant_message(
    *,
    channel: str,
    sender: str,
    text: str,
    customer_id: int | None = None,
    user: User | None = None,
    message_id: str = "",
    today: date | None = None,
) -> BotReply:
    """Answer one message from `sender` on `channel` (see the module's rules). `customer_id`
    is who the sender is (None: not bound yet), `user` whose rights the bot reads and files
    orders with (the portal login; for the API the integrator's user)."""
    received = time.perf_counter()
    _check(channel=channel, sender=sender, message_id=message_id)
    now = timezone.now()
    today = today or timezone.localdate(now)
    text = " ".join(str(text).split())[:TEXT_MAX] if text else ""
    session_lock(channel=channel, sender=sender)
    replayed = turn_replayed(channel=channel, sender=sender, message_id=message_id)
    if replayed is not None and "reply" in replayed.data:
        return BotReply.from_dict(replayed.data["reply"], session_id=replayed.session_id)
    session = session_current(channel=channel, sender=sender, customer_id=customer_id, now=now)
    if session.status == SessionStatus.HANDED_OFF:
        if session_with_agent(session=session):
            return _relay(session, user=user, text=text, message_id=message_id, now=now)
        session_end(session=session, now=now)
        session = session_current(channel=channel, sender=sender, customer_id=customer_id, now=now)
    if not session.turns.exists():
        session_timeline(session=session, text=text)
    party = Party(
        channel=channel,
        customer_id=customer_id,
        actor=user,
        accounts=party_accounts(actor=user, customer_id=customer_id),
        today=today,
    )
    understanding, nlu_ms = _understand(text, today)
    asked = _customer_turn(session, text, understanding, nlu_ms, message_id)
    policy = Policy(
        party=party, state=session.state, message=Message(text, understanding, str(asked.pk))
    )
    step = policy.decide()
    changes: dict[str, Any] = {"state": policy.state}
    handed_off = False
    if step.handoff:
        handed_off, step = _hand_off(session, step, changes)
    if step.end:
        changes |= {"status": SessionStatus.ENDED, "ended_at": now}
    reply = BotReply(step.text, step.options, step.links, handed_off, session.pk, step.end)
    _assistant_turn(session, step, latency_ms=(time.perf_counter() - received) * 1000)
    session_save(session=session, now=now, **changes)
    asked.data = asked.data | {"reply": reply.as_dict()}
    asked.save(update_fields=["data"])
    return reply


def _check(*, channel: str, sender: str, message_id: str) -> None:
    if channel not in CHANNELS:
        raise DomainError("assistant.message.bad_channel", "不支持的渠道", field="channel")
    if not sender.strip() or len(sender) > SENDER_MAX:
        raise DomainError(
            "assistant.message.bad_sender", f"发送方标识须为 1–{SENDER_MAX} 个字符", field="sender"
        )
    if len(message_id) > MESSAGE_ID_MAX:
        raise DomainError(
            "assistant.message.bad_message_id",
            f"消息编号不能超过 {MESSAGE_ID_MAX} 个字符",
            field="message_id",
        )


def _understand(text: str, today: date) -> tuple[Understanding | None, float | None]:
    if not text:
        return None, None
    started = time.perf_counter()
    understanding = nlu_model().understand(text[:NLU_TEXT_MAX], today=today)
    return understanding, (time.perf_counter() - started) * 1000


def _customer_turn(
    session: BotSession,
    text: str,
    understanding: Understanding | None,
    nlu_ms: float | None,
    message_id: str,
) -> BotTurn:
    """The customer's line with what the NLU made of it (a tapped quick reply is certain)."""
    data: dict[str, Any] = {"message_id": message_id} if message_id else {}
    if understanding is None:
        return turn_record(session=session, speaker=TurnSpeaker.CUSTOMER, text=text, data=data)
    tapped = option_intent(text)
    if tapped:
        data["quick_reply"] = True
    return turn_record(
        session=session,
        speaker=TurnSpeaker.CUSTOMER,
        text=text,
        intent=tapped or understanding.intent,
        confidence=1.0 if tapped else round(understanding.confidence, 4),
        entities=understanding.entities.as_dict()
        | ({"anger": True} if understanding.anger else {}),
        latency_ms=nlu_ms,
        data=data,
    )


def _hand_off(session: BotSession, step: Step, changes: dict[str, Any]) -> tuple[bool, Step]:
    """Carry out the handoff the policy asked for; a sender without a customer is told how
    to reach a person instead."""
    conversation_id = session_handoff(
        session=session, reason=step.handoff, intent=step.intent, closing=step.text
    )
    if conversation_id is None:
        data = step.data | {"handoff": step.handoff}
        unavailable = Step(
            NO_AGENT,
            options=("绑定户号",),
            links=(bind_link(),),
            intent=step.intent,
            action="handoff_unavailable",
            data=data,
        )
        return False, unavailable
    changes |= {
        "status": SessionStatus.HANDED_OFF,
        "handoff_reason": step.handoff,
        "handoff_intent": step.intent,
        "handoff_conversation_id": conversation_id,
    }
    step.data = step.data | {"conversation": conversation_id, "reason": step.handoff}
    return True, step


def _assistant_turn(session: BotSession, step: Step, *, latency_ms: float) -> BotTurn:
    faq = FaqEntry.objects.filter(code=step.faq_code).first() if step.faq_code else None
    data = step.data | {
        "options": list(step.options),
        "links": [link.as_dict() for link in step.links],
    }
    return turn_record(
        session=session,
        speaker=TurnSpeaker.ASSISTANT,
        text=step.text,
        intent=step.intent,
        faq_entry=faq,
        action=step.action,
        data=data | ({"faq_code": step.faq_code} if step.faq_code else {}),
        latency_ms=latency_ms,
    )


def _relay(
    session: BotSession, *, user: User | None, text: str, message_id: str, now: datetime
) -> BotReply:
    """Rule 2: the message goes to the agent; the customer is told it did."""
    data: dict[str, Any] = {"relayed": True} | ({"message_id": message_id} if message_id else {})
    turn = turn_record(session=session, speaker=TurnSpeaker.CUSTOMER, text=text, data=data)
    if text:
        session_relay(session=session, user=user, text=text)
    reply = BotReply(RELAYED if text else "请输入消息内容。", (), (), True, session.pk)
    turn.data = turn.data | {"reply": reply.as_dict()}
    turn.save(update_fields=["data"])
    session_save(session=session, now=now)
    return reply
