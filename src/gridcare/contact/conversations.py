"""Live conversations (the agent inbox): messages in, claim, reply, transfer, close.

Every transition is compare-and-set on (status, assignee) and leaves an event, so two
agents claiming at once get one conversation and one `409`. An agent's reply goes out
through notify (urgent template `contact.reply`, idempotency key per message) and lands on
the customer's timeline with the delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridcare.contact.choices import ConversationEventKind, ConversationStatus, Speaker
from gridcare.contact.models import (
    CannedReply,
    Conversation,
    ConversationEvent,
    ConversationMessage,
)
from gridcare.core.errors import ConcurrentChange, DomainError, NotFound, PermissionDeniedError
from gridcare.core.models import User
from gridcare.customers.choices import ContactChannel, InteractionChannel
from gridcare.customers.selectors import contact_profiles
from gridcare.notify.services import notification_enqueue

S = ConversationStatus
E = ConversationEventKind
#: The notify channel a reply goes out on, by conversation channel.
REPLY_CHANNEL: dict[str, str] = {
    InteractionChannel.WECHAT: ContactChannel.WECHAT,
    InteractionChannel.APP: ContactChannel.APP_PUSH,
}
REPLY_TEMPLATE = "contact.reply"
HANDOFF_SPEAKERS = {Speaker.CUSTOMER, Speaker.ASSISTANT}

#: An agent's reply is a chat message, not a document: WeChat customer-service messages
#: stop at 2,048 bytes, and the console's text box says the same.
REPLY_MAX_LENGTH = 2000


def conversation_message_in(
    *, customer_id: int, channel: str, text: str, at: datetime | None = None
) -> Conversation:
    """A customer's message: appended to their open conversation on the channel, or the
    start of a new one."""
    at = at or timezone.now()
    with transaction.atomic():
        conversation, created = _open_for_update(customer_id=customer_id, channel=channel, at=at)
        if created:
            ConversationEvent.objects.create(conversation=conversation, kind=E.OPENED, at=at)
        ConversationMessage.objects.create(
            conversation=conversation, speaker=Speaker.CUSTOMER, text=text, at=at
        )
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=at)
    return conversation


def _open_for_update(*, customer_id: int, channel: str, at: datetime) -> tuple[Conversation, bool]:
    """The customer's open conversation on `channel`, locked, or a new one (True)."""
    conversation = (
        Conversation.objects.select_for_update()
        .filter(customer_id=customer_id, channel=channel)
        .exclude(status=S.CLOSED)
        .first()
    )
    if conversation is not None:
        return conversation, False
    created = Conversation.objects.create(
        customer_id=customer_id, channel=channel, status=S.OPEN, opened_at=at
    )
    return created, True


#: What a handoff may record about why (the assistant's detected intent and its reason).
HANDOFF_NOTE_MAX = 32


@transaction.atomic
def conversation_handoff(
    *,
    customer_id: int,
    channel: str,
    transcript: Sequence[tuple[str, str]],
    intent: str = "",
    reason: str = "",
) -> Conversation:
    """The assistant hands a conversation to a person, with what was said so far
    (`transcript`: (speaker, text) pairs, speaker `customer` or `assistant`), the intent it
    detected and why it handed over (both shown in the inbox). The transcript joins the
    customer's open conversation on the channel when there is one — the customer's next
    messages go there (`conversation_message_in`) — else a new one."""
    if not transcript:
        raise DomainError("contact.handoff.empty", "转人工时须附带对话记录", field="transcript")
    if any(speaker not in HANDOFF_SPEAKERS for speaker, _text in transcript):
        raise DomainError(
            "contact.handoff.bad_speaker", "对话记录的发言方须为客户或智能客服", field="transcript"
        )
    now = timezone.now()
    conversation, _created = _open_for_update(customer_id=customer_id, channel=channel, at=now)
    ConversationMessage.objects.bulk_create(
        ConversationMessage(conversation=conversation, speaker=speaker, text=text, at=now)
        for speaker, text in transcript
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    ConversationEvent.objects.create(
        conversation=conversation,
        kind=E.HANDOFF,
        data={
            "lines": len(transcript),
            "intent": intent[:HANDOFF_NOTE_MAX],
            "reason": reason[:HANDOFF_NOTE_MAX],
        },
    )
    return conversation


def _move(
    conversation_id: int,
    *,
    actor: User,
    expect: dict[str, Any],
    change: dict[str, Any],
    kind: ConversationEventKind,
    data: dict[str, Any] | None = None,
) -> Conversation:
    """Compare-and-set; a row that is no longer as expected is a ConcurrentChange (409)."""
    if not Conversation.objects.filter(pk=conversation_id).exists():
        raise NotFound("contact.conversation.not_found", "会话不存在")
    updated = Conversation.objects.filter(pk=conversation_id, **expect).update(**change)
    if updated != 1:
        raise ConcurrentChange("contact.conversation.changed", "会话状态已被他人更改，请刷新后重试")
    ConversationEvent.objects.create(
        conversation_id=conversation_id, kind=kind, actor=actor, data=data or {}
    )
    return Conversation.objects.get(pk=conversation_id)


@transaction.atomic
def conversation_claim(*, actor: User, conversation_id: int) -> Conversation:
    return _move(
        conversation_id,
        actor=actor,
        expect={"status": S.OPEN},
        change={"status": S.CLAIMED, "assignee": actor},
        kind=E.CLAIMED,
    )


@transaction.atomic
def conversation_transfer(*, actor: User, conversation_id: int, to: User) -> Conversation:
    """Hand the conversation to another staff member (only its current agent may)."""
    if to.is_customer or not to.is_active:
        raise DomainError("contact.conversation.bad_assignee", "只能转给在岗的员工", field="to")
    return _move(
        conversation_id,
        actor=actor,
        expect={"status": S.CLAIMED, "assignee": actor},
        change={"assignee": to},
        kind=E.TRANSFERRED,
        data={"to": to.pk},
    )


@transaction.atomic
def conversation_close(*, actor: User, conversation_id: int) -> Conversation:
    return _move(
        conversation_id,
        actor=actor,
        expect={"status": S.CLAIMED, "assignee": actor},
        change={"status": S.CLOSED, "closed_at": timezone.now()},
        kind=E.CLOSED,
    )


@transaction.atomic
def conversation_reply(
    *, actor: User, conversation_id: int, text: str = "", canned_reply_id: int | None = None
) -> ConversationMessage:
    """The agent who holds the conversation answers — with `text`, or with the canned
    reply when no text is given — and the answer is sent to the customer."""
    text = text.strip()
    if not text and canned_reply_id is not None:
        canned = CannedReply.objects.filter(pk=canned_reply_id, active=True).first()
        text = canned.text if canned is not None else ""
    if not text:
        raise DomainError("contact.reply.empty", "回复内容不能为空", field="text")
    if len(text) > REPLY_MAX_LENGTH:
        raise DomainError(
            "contact.reply.too_long", f"回复不能超过 {REPLY_MAX_LENGTH} 字", field="text"
        )
    conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound("contact.conversation.not_found", "会话不存在")
    if conversation.status != S.CLAIMED or conversation.assignee_id != actor.pk:
        raise PermissionDeniedError("contact.reply.not_yours", "请先接入该会话再回复")
    message = ConversationMessage.objects.create(
        conversation=conversation, speaker=Speaker.AGENT, author=actor, text=text
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.at)
    notification_enqueue(
        actor=actor,
        customer_id=conversation.customer_id,
        template_code=REPLY_TEMPLATE,
        context={"text": text},
        idempotency_key=f"reply:{message.pk}",
        channel=_reply_channel(conversation),
    )
    return message


def _reply_channel(conversation: Conversation) -> str:
    """The conversation's own channel when the customer can be reached on it, else the
    portal inbox (a web chat, or a sender whose WeChat identity is gone)."""
    wanted = REPLY_CHANNEL.get(conversation.channel)
    profile = contact_profiles(customer_ids=[conversation.customer_id])[conversation.customer_id]
    if wanted is not None and wanted in profile.addresses:
        return wanted
    return ContactChannel.PORTAL
