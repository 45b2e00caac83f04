"""The assistant's API (/api/v1/assistant): the channel adapters (WeChat, Alipay, the app)
post each customer message and relay the reply. Thin: resolve the sender → one service."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router

from gridcare.assistant.schemas import LinkOut, MessageIn, MessageOut
from gridcare.assistant.services.dialogue import assistant_message
from gridcare.core.api_support import AUTH, acting_user, require_staff_perm
from gridcare.core.roles import POST_ASSISTANT_MESSAGES
from gridcare.core.schemas import WRITE_ERRORS
from gridcare.customers.selectors import customer_for_identity

router = Router(tags=["assistant"], auth=AUTH)
ERRORS = WRITE_ERRORS


@router.post("/messages", response={200: MessageOut, **ERRORS})
def message_post(request: HttpRequest, body: MessageIn) -> MessageOut:
    """Answer one customer message (permission `assistant.add_botturn`, an integrator's
    token). A sender not bound to a customer can ask general questions; personal ones get
    the binding link. Once the reply says `handed_off`, the following messages go to the
    agent's conversation in the inbox; sending the same `message_id` again returns the
    reply already given."""
    user = acting_user(request)
    require_staff_perm(user, POST_ASSISTANT_MESSAGES)
    reply = assistant_message(
        channel=body.channel,
        sender=body.sender,
        text=body.text,
        customer_id=customer_for_identity(channel=body.channel, external_id=body.sender),
        user=user,
        message_id=body.message_id,
    )
    return MessageOut(
        reply=reply.text,
        options=list(reply.options),
        links=[
            LinkOut(label=x.label, url=f"{settings.SERVICE_PORTAL_ORIGIN}{x.path}")
            for x in reply.links
        ],
        handed_off=reply.handed_off,
        ended=reply.ended,
        session=reply.session_id,
    )
