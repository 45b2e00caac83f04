"""Inbound contact: a verified message is recorded once, its sender resolved to a customer,
and it lands on that customer's timeline (unknown senders are asked to bind an account)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from gridcare.contact.adapters.base import BadPayload, Inbound
from gridcare.contact.conversations import conversation_message_in
from gridcare.contact.models import Conversation, InboundMessage
from gridcare.contact.signals import rating_received
from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import User
from gridcare.customers.choices import InteractionChannel, InteractionDirection
from gridcare.customers.selectors import (
    customer_for_identity,
    customer_for_mobile,
    customers_of_login,
)
from gridcare.customers.services import interaction_record

BIND_PROMPT = (
    "您好！请先绑定户号：在菜单「我的」→「绑定户号」输入户号，并用预留手机号收到的验证码确认。"
)
logger = logging.getLogger("gridcare.contact")

RECEIVED = "已收到您的消息，客服人员将尽快回复。紧急停电抢修请拨打 95598。"


@dataclass(frozen=True)
class Received:
    message: InboundMessage
    duplicate: bool

    @property
    def reply(self) -> str:
        return RECEIVED if self.message.customer_id else BIND_PROMPT


#: The longest message text kept: WeChat and Alipay cap a text message near 2,048 bytes,
#: an SMS reply is far shorter; anything longer is not a message a person typed.
INBOUND_TEXT_MAX = 5000
#: The columns an inbound message's identifiers go into (InboundMessage).
_INBOUND_LIMITS = {"message_id": 128, "sender": 128, "kind": 32, "text": INBOUND_TEXT_MAX}


def inbound_receive(*, inbound: Inbound) -> Received:
    """Record `inbound` once per (channel, app, message id); a repeat returns the first.
    Identifiers longer than their columns, or a text over `INBOUND_TEXT_MAX`, are refused
    (`contact.webhook.bad_payload`, 400) before anything is stored."""
    for name, limit in _INBOUND_LIMITS.items():
        if len(getattr(inbound, name)) > limit:
            raise BadPayload(f"消息字段 {name} 超过 {limit} 个字符")
    key = {"channel": inbound.channel, "app_id": inbound.app_id, "message_id": inbound.message_id}
    existing = InboundMessage.objects.filter(**key).first()
    if existing is not None:
        return Received(existing, duplicate=True)
    try:
        with transaction.atomic():
            return Received(_record(inbound), duplicate=False)
    except IntegrityError:  # the platform's retry raced the first delivery
        return Received(InboundMessage.objects.get(**key), duplicate=True)


#: How a channel's sender id finds the customer (default: the channel identity).
SENDER_BY_MOBILE = {InteractionChannel.SMS}


def _customer_of(inbound: Inbound) -> int | None:
    if inbound.channel in SENDER_BY_MOBILE:
        return customer_for_mobile(mobile=inbound.sender)
    return customer_for_identity(channel=inbound.channel, external_id=inbound.sender)


def _record(inbound: Inbound) -> InboundMessage:
    customer_id = _customer_of(inbound)
    message = InboundMessage.objects.create(
        channel=inbound.channel,
        app_id=inbound.app_id,
        message_id=inbound.message_id,
        sender=inbound.sender,
        kind=inbound.kind,
        text=inbound.text,
        customer_id=customer_id,
    )
    if customer_id is None:
        return message
    interaction = interaction_record(
        actor=None,
        customer_id=customer_id,
        channel=inbound.channel,
        direction=InteractionDirection.INBOUND,
        summary=inbound.summary or inbound.text[:200] or f"[{inbound.kind}]",
        body=inbound.text,
        occurred_at=inbound.sent_at,
        external_id=f"{inbound.app_id}:{inbound.message_id}"[:128],
        links={"inbound_message": message.pk},
        data=inbound.data,
    )
    message.interaction_id = interaction.pk
    message.save(update_fields=["interaction_id"])
    if inbound.data.get("rating"):
        _announce_rating(customer_id, int(inbound.data["rating"]), interaction.pk)
    if inbound.conversational:
        conversation_message_in(
            customer_id=customer_id, channel=inbound.channel, text=message.text, at=inbound.sent_at
        )
    return message


def _announce_rating(customer_id: int, rating: int, interaction_id: int) -> None:
    """Tell the apps above (service's return visits) once the reply is stored. A receiver's
    failure is logged, not raised: the reply is recorded either way, and the platform's
    retry of a stored message would not announce it again."""

    def send() -> None:
        results = rating_received.send_robust(
            sender=InboundMessage,
            customer_id=customer_id,
            rating=rating,
            interaction_id=interaction_id,
        )
        for receiver, result in results:
            if isinstance(result, Exception):
                logger.error("rating receiver %r failed", receiver, exc_info=result)

    transaction.on_commit(send)


def web_chat_message(*, user: User, customer_id: int, text: str) -> Conversation:
    """A portal (web/H5) chat message from a logged-in customer: it joins their open
    web-chat conversation and the timeline. `customer_id` must be one the login has bound."""
    text = text.strip()
    if not text:
        raise DomainError("contact.chat.empty", "请输入消息内容", field="text")
    if len(text) > 1000:
        raise DomainError("contact.chat.too_long", "消息不能超过1000字", field="text")
    if customer_id not in {c.pk for c in customers_of_login(user=user)}:
        raise NotFound("customers.customer.not_found", "客户不存在")
    with transaction.atomic():
        conversation = conversation_message_in(
            customer_id=customer_id, channel=InteractionChannel.WEB_CHAT, text=text
        )
        interaction_record(
            actor=user,
            customer_id=customer_id,
            channel=InteractionChannel.WEB_CHAT,
            direction=InteractionDirection.INBOUND,
            summary=text[:200],
            body=text,
            links={"conversation": conversation.pk},
        )
    return conversation
