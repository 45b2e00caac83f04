"""Reads for the agent inbox, limited to the reader's area."""

from __future__ import annotations

from django.db.models import QuerySet

from gridcare.contact.choices import ConversationEventKind, ConversationStatus
from gridcare.contact.models import CannedReply, Conversation, ConversationMessage
from gridcare.core.choices import UserKind
from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.customers.choices import InteractionChannel
from gridcare.customers.selectors import customers_visible_to


def conversations_for(*, user: User, mine: bool = False) -> QuerySet[Conversation]:
    """Conversations not yet closed of customers in the reader's area (waiting first, then
    the newest); `mine`: only those the reader holds."""
    found = Conversation.objects.filter(customer__in=customers_visible_to(user)).exclude(
        status=ConversationStatus.CLOSED
    )
    if mine:
        found = found.filter(assignee=user)
    return found.select_related("customer", "assignee").order_by("status", "-last_message_at")


def conversation_get_for_user(*, user: User, conversation_id: int) -> Conversation:
    conversation = (
        Conversation.objects.filter(pk=conversation_id, customer__in=customers_visible_to(user))
        .select_related("customer", "assignee")
        .first()
    )
    if conversation is None:
        raise NotFound("contact.conversation.not_found", "会话不存在")
    return conversation


def conversation_messages(*, conversation: Conversation) -> QuerySet[ConversationMessage]:
    """The transcript, oldest first, with each agent line's author."""
    return conversation.messages.select_related("author")


def canned_replies() -> QuerySet[CannedReply]:
    return CannedReply.objects.filter(active=True)


def colleagues_of(*, user: User) -> QuerySet[User]:
    """Staff of the reader's org unit a conversation can be transferred to."""
    return (
        User.objects.filter(is_active=True, org_unit=user.org_unit)
        .exclude(pk=user.pk)
        .exclude(kind=UserKind.CUSTOMER)
    )


def colleague_get(*, user: User, colleague_id: int) -> User | None:
    """One of `colleagues_of(user)`, or None."""
    return colleagues_of(user=user).filter(pk=colleague_id).first()


def web_chat_for(*, customer_id: int) -> Conversation | None:
    """The customer's current web chat (open or with an agent), if any."""
    return (
        Conversation.objects.filter(customer_id=customer_id, channel=InteractionChannel.WEB_CHAT)
        .exclude(status=ConversationStatus.CLOSED)
        .order_by("-opened_at")
        .first()
    )


def conversations_waiting_count(*, user: User) -> int:
    """Conversations in the reader's area no agent has claimed yet (the workbench's count)."""
    return conversations_for(user=user).filter(status=ConversationStatus.OPEN).order_by().count()


def conversation_open_get(*, conversation_id: int) -> Conversation | None:
    """The conversation while it is waiting for or with an agent (None once closed)."""
    return (
        Conversation.objects.filter(pk=conversation_id)
        .exclude(status=ConversationStatus.CLOSED)
        .first()
    )


def conversation_is_open(*, conversation_id: int) -> bool:
    return conversation_open_get(conversation_id=conversation_id) is not None


def conversation_handoff_note(*, conversation: Conversation) -> dict[str, str]:
    """The assistant's latest handoff of the conversation: the intent it detected and its
    reason ({} when the assistant never handed it over)."""
    event = (
        conversation.events.filter(kind=ConversationEventKind.HANDOFF)
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return {}
    return {
        "intent": str(event.data.get("intent", "")),
        "reason": str(event.data.get("reason", "")),
    }
