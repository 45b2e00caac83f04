"""Talking to the assistant as a persona: `chat("查电费")` sends Alice's message through
`assistant_message` exactly as the portal does (sender `user:<pk>`, the login as actor)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from gridcare.assistant.models import BotSession
from gridcare.assistant.selectors.kb import faq_snapshot_forget
from gridcare.assistant.services.dialogue import BotReply, assistant_message
from gridcare.billing.services.profiles import billing_profile_set
from gridcare.customers.models import Account, AccountBinding
from gridcare.customers.services import account_attach_meter, account_open, premise_create
from gridcare.grid.services import meter_install
from gridcare.testing.personas import World

Chat = Callable[..., BotReply]


def say(world: World, text: str, *, persona: str = "alice", message_id: str = "") -> BotReply:
    user = world.users[persona]
    customer = world.customer_alice if persona == "alice" else world.customer_bob
    return assistant_message(
        channel="web_chat",
        sender=f"user:{user.pk}",
        text=text,
        customer_id=customer.pk,
        user=user,
        message_id=message_id,
    )


@pytest.fixture(autouse=True)
def _fresh_knowledge_index() -> None:
    # The knowledge base's index is cached per process and keyed on the entries' state; a
    # rolled-back test may leave one keyed like the next test's (tests/assistant/kb).
    faq_snapshot_forget()


@pytest.fixture
def chat(world: World) -> Chat:
    def send(text: str, **kwargs: str) -> BotReply:
        return say(world, text, **kwargs)

    return send


def session_of(reply: BotReply) -> BotSession:
    return BotSession.objects.get(pk=reply.session_id)


def second_account(world: World, number: str = "3100000000009") -> Account:
    """A second account of Alice's (another flat on the same 台区), bound to her login."""
    premise = premise_create(
        province="广东省",
        city="广州市",
        district="天河区",
        street="石牌街道",
        detail="华师路 8 号 101",
    )
    account = account_open(
        actor=None,
        customer=world.customer_alice,
        number=number,
        premise=premise,
        supply_unit=world.station_1,
        tariff_class="residential",
        contracted_capacity_kva=Decimal("8.0"),
    )
    meter = meter_install(
        actor=None, transformer=world.transformer_1, asset_number=f"M{number[-6:]}"
    )
    account_attach_meter(actor=None, account=account, meter=meter)
    billing_profile_set(
        actor=None, account=account, tariff_code="GZ-RES-TIER", payment_mode="postpaid"
    )
    AccountBinding.objects.create(user=world.users["alice"], account=account)
    return account
