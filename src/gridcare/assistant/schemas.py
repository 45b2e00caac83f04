"""Shapes of /api/v1/assistant: a customer's message from a channel adapter (WeChat,
Alipay, the app) and the assistant's reply."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

from gridcare.core.schemas import NO_NUL, NOT_BLANK, StrictIn

#: Longer than any chat message (the assistant reads the start of a longer one and keeps
#: 2,000 characters): a pasted document is answered, not refused; beyond this is not chat.
TEXT_LIMIT = 20_000


class MessageIn(StrictIn):
    """One message as the platform delivered it. `sender` is the platform's user id
    (WeChat openid, Alipay user id, app user), resolved to a customer through the channel
    identities; `message_id` the platform's id — the same id again returns the same reply."""

    channel: Literal["wechat", "alipay", "app"]
    sender: str = Field(min_length=1, max_length=128, pattern=NOT_BLANK)
    message_id: str = Field("", max_length=128, pattern=NO_NUL)
    text: str = Field("", max_length=TEXT_LIMIT, pattern=NO_NUL)


class LinkOut(Schema):
    label: str
    url: str


class MessageOut(Schema):
    """The reply to show: text, quick replies (send one back as the next message's text),
    links (absolute portal addresses), whether a person has taken over (later messages go
    to the agent), whether the assistant ended the conversation, and the session id."""

    reply: str
    options: list[str]
    links: list[LinkOut]
    handed_off: bool
    ended: bool
    session: int
