"""What the assistant reads about the customer it is talking to: the accounts it may act
on, the reconnection order of an account, the outages covering the accounts.

Every read goes through the owning app's scoped selector under the party's actor (the
portal login, or the integrator's user for the WeChat/Alipay API), then narrows to the
one customer, so the bot never sees — and so never tells — anything of anyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from gridcare.core.models import User
from gridcare.customers.models import Account
from gridcare.customers.selectors import accounts_visible_to
from gridcare.outages.selectors.live import OutageBanner, outages_active_for_accounts
from gridcare.outages.selectors.search import PublicOutage, upcoming_planned_for_accounts
from gridcare.service.models import WorkOrder
from gridcare.service.selectors import orders_visible_to

#: The category of the orders that restore a supply cut for arrears (service taxonomy).
RECONNECTION_CATEGORY = "request.reconnection"
#: How far ahead a planned outage is worth telling the customer about.
PLANNED_WITHIN_DAYS = 7


def party_accounts(*, actor: User | None, customer_id: int | None) -> tuple[Account, ...]:
    """The customer's accounts the actor may read (premise loaded), by number."""
    if actor is None or customer_id is None:
        return ()
    accounts = accounts_visible_to(actor).filter(customer_id=customer_id).order_by("number")
    return tuple(accounts)


def reconnection_order_of(*, actor: User, account: Account) -> WorkOrder | None:
    """The newest reconnection order of the account, if any."""
    return (
        orders_visible_to(actor)
        .filter(account=account, category__code=RECONNECTION_CATEGORY)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class OutagesNearby:
    """The outages an account list is in now (account id → banner) and the published
    planned outages starting within `PLANNED_WITHIN_DAYS`."""

    active: dict[int, OutageBanner]
    planned: list[PublicOutage]


def outages_of_accounts(*, accounts: tuple[Account, ...]) -> OutagesNearby:
    ids = [a.pk for a in accounts]
    return OutagesNearby(
        active=outages_active_for_accounts(account_ids=ids),
        planned=upcoming_planned_for_accounts(
            account_ids=ids, within_days=PLANNED_WITHIN_DAYS, now=timezone.now()
        ),
    )
