"""What every action shares: who the assistant is talking to (`Party`), what one step of
the dialogue answers (`Step`), and the small formatting helpers the replies use.

The bot's replies are written in Chinese here, not as gettext msgids: they are the
conversation itself — stored in the transcript (BotTurn.text), handed to agents and sent
over WeChat/Alipay — in the language the customer wrote in and the NLU understands, like
contact's automatic replies and the domain errors' messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse

from gridcare.core.models import User
from gridcare.core.privacy import mask_address_detail
from gridcare.customers.models import Account


@dataclass(frozen=True)
class Link:
    """A page the customer can open: `path` on the portal (the API makes it absolute)."""

    label: str
    path: str

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "path": self.path}


def portal_link(label: str, view: str, *args: str) -> Link:
    return Link(label, reverse(f"portal:{view}", args=args))


@dataclass(frozen=True)
class Party:
    """Who the assistant is talking to and what it may act on: the customer (None: a
    sender not yet bound to one), `actor` — whose rights reads and orders run under (the
    portal login, or the integrator whose token posted the message) — and `accounts`, the
    customer's accounts that actor may read, by number."""

    channel: str
    customer_id: int | None
    actor: User | None
    accounts: tuple[Account, ...]
    today: dt.date

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(a.number for a in self.accounts)

    def account(self, number: str) -> Account | None:
        return next((a for a in self.accounts if a.number == number), None)


class CapabilityMissing(Exception):
    """What the customer asks cannot be served here (the data or the service behind it is
    missing): the dialogue says so and hands over — nothing is made up."""


#: The pending-state value meaning "leave the pending dialogue as it is".
KEEP: dict[str, Any] = {"keep": True}


@dataclass
class Step:
    """One answer of the assistant. `pending` is the dialogue left waiting for the next
    message (None: nothing; `KEEP`: unchanged); `handoff` names the reason when a person
    should take over; `end` closes the session (goodbye)."""

    text: str
    options: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    intent: str = ""
    action: str = ""
    faq_code: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, Any] | None = None
    handoff: str = ""
    end: bool = False


# --- Formatting: what every reply writes the same way ---


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def kwh(amount: Decimal) -> str:
    return f"{amount.normalize():f}" if amount == amount.to_integral() else f"{amount:.1f}"


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_month(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def premise_address(account: Account, *, masked: bool) -> str:
    """The account's supply address; `masked` hides house and room numbers (what a reply
    shows: it may be read on a shared screen or relayed by a platform)."""
    p = account.premise
    detail = mask_address_detail(p.detail) if masked else p.detail
    return f"{p.city}{p.district}{p.street}{detail}"


BIND_LINK_LABEL = "绑定户号"


def bind_link() -> Link:
    return portal_link(BIND_LINK_LABEL, "bind")
