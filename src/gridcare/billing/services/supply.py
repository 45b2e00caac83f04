"""Account events and the supply state: what the arrears and prepaid rules share.

- `event_record` writes a `BillingEvent` once per key (a rerun, or two workers at once,
  find the first row and do nothing more).
- `disconnect_request` / `reconnect_request` write the *_requested outbox rows the service
  app turns into work orders and move `BillingProfile.supply_state`; the caller holds the
  profile's row lock (`profile_lock`), so a payment and the daily cycle never decide on the
  same account at once. An important customer (Account.importance_level ≠ none) is never
  disconnected automatically: a DISCONNECT_HELD event lists them for staff instead.
- `supply_state_record` is what service calls when the crew has completed (or staff
  cancelled) the order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.billing.choices import REQUEST_KINDS, BillingEventKind, SupplyState
from gridcare.billing.models import BillingEvent, BillingProfile
from gridcare.billing.notice_templates import DISCONNECTED
from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.customers.choices import ImportanceLevel
from gridcare.customers.models import Account
from gridcare.notify.services import notification_enqueue

#: Supply states from which a cleared account asks for its supply back.
CUT_STATES = frozenset({SupplyState.DISCONNECTION_REQUESTED, SupplyState.DISCONNECTED})


def yuan(amount: Decimal) -> str:
    """¥ amounts in messages: 1,234.56 (the template adds 元)."""
    return f"{amount:,.2f}"


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def profile_lock(*, account_id: int) -> BillingProfile:
    """The account's profile, locked until the transaction ends (the ledger locks it too)."""
    return (
        BillingProfile.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(account_id=account_id)
    )


def event_record(
    *, account: Account, kind: str, key: str, detail: dict[str, Any] | None = None
) -> tuple[BillingEvent, bool]:
    """The account event `key`, written once; returns (event, created)."""
    found = BillingEvent.objects.filter(key=key).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            event = BillingEvent.objects.create(
                account=account, kind=kind, key=key, detail=detail or {}
            )
    except IntegrityError:  # the same key written by a concurrent run that committed first
        return BillingEvent.objects.get(key=key), False
    return event, True


def notice_send(*, account: Account, template: str, key: str, context: dict[str, Any]) -> None:
    """A billing notice to the account's customer (notify: channel, consent, quiet hours),
    in the caller's transaction, once per key."""
    notification_enqueue(
        actor=None,
        customer_id=account.customer_id,
        account_id=account.pk,
        template_code=template,
        context={"account": account.number, **context},
        idempotency_key=key,
        purpose="billing",
    )


def is_important(account: Account) -> bool:
    return account.importance_level != ImportanceLevel.NONE


def disconnect_request(
    *, profile: BillingProfile, key: str, detail: dict[str, Any]
) -> tuple[str, BillingEvent | None]:
    """Ask for the account's disconnection (once per `key`). Returns ("requested" | "held"
    | "skipped", event): held for an important customer, skipped when the supply is not
    connected (already ordered, cut, or being reconnected) or this key was done before."""
    account = profile.account
    if profile.supply_state != SupplyState.CONNECTED:
        return "skipped", None
    if is_important(account):
        event, created = event_record(
            account=account,
            kind=BillingEventKind.DISCONNECT_HELD,
            key=f"held:{key}",
            detail={**detail, "importance": account.importance_level},
        )
        return ("held" if created else "skipped"), event
    event, created = event_record(
        account=account, kind=BillingEventKind.DISCONNECT_REQUESTED, key=key, detail=detail
    )
    if created:
        _state_set(profile, SupplyState.DISCONNECTION_REQUESTED)
        audit_record(actor=None, action="billing.disconnect_requested", obj=event, data=detail)
    return ("requested" if created else "skipped"), event


def reconnect_request(*, profile: BillingProfile, detail: dict[str, Any]) -> BillingEvent | None:
    """Ask for the supply back after the arrears are cleared (once per disconnection)."""
    if profile.supply_state not in CUT_STATES:
        return None
    cut = (
        BillingEvent.objects.filter(
            account=profile.account, kind=BillingEventKind.DISCONNECT_REQUESTED
        )
        .order_by("-id")
        .first()
    )
    key = f"reconnect:{cut.pk}" if cut is not None else f"reconnect:{profile.account.number}"
    event, created = event_record(
        account=profile.account,
        kind=BillingEventKind.RECONNECT_REQUESTED,
        key=key,
        detail={**detail, "disconnect_request": cut.key if cut else ""},
    )
    if created:
        _state_set(profile, SupplyState.RECONNECTION_REQUESTED)
        audit_record(actor=None, action="billing.reconnect_requested", obj=event, data=detail)
    return event


def _state_set(profile: BillingProfile, state: str) -> None:
    BillingProfile.objects.filter(pk=profile.pk).update(supply_state=state)
    profile.supply_state = state


# --- What service calls ---

#: The states service reports, with the event each writes.
REPORTED: dict[str, str] = {
    SupplyState.DISCONNECTED: BillingEventKind.DISCONNECTED,
    SupplyState.CONNECTED: BillingEventKind.RECONNECTED,
}


@transaction.atomic
def supply_state_record(
    *, account: Account, state: str, order_number: str, note: str = ""
) -> BillingEvent:
    """The crew has cut (`DISCONNECTED`) or restored (`CONNECTED`) the supply under work
    order `order_number`, or staff cancelled a disconnection before it was carried out
    (`CONNECTED`, with a note). Once per (order, state). A cut reported while a
    reconnection is already ordered (the customer paid while the crew was on the way)
    keeps the state "reconnection ordered": the reconnection order is still to come."""
    if state not in REPORTED:
        raise DomainError("billing.supply.bad_state", _("Unknown supply state"), field="state")
    profile = profile_lock(account_id=account.pk)
    event, created = event_record(
        account=account,
        kind=REPORTED[state],
        key=f"supply:{order_number}:{state}",
        detail={"order": order_number, **({"note": note} if note else {})},
    )
    if not created:
        return event
    event.order_number = order_number
    event.handled_at = timezone.now()
    event.save(update_fields=["order_number", "handled_at"])
    pending = profile.supply_state == SupplyState.RECONNECTION_REQUESTED
    if not (state == SupplyState.DISCONNECTED and pending):
        _state_set(profile, state)
    if state == SupplyState.DISCONNECTED:
        notice_send(
            account=account,
            template=DISCONNECTED,
            key=f"billing:{event.key}",
            context={"owed": yuan(max(-profile.balance, Decimal("0")))},
        )
    audit_record(
        actor=None,
        action="billing.supply_state",
        obj=event,
        data={"state": state, "order": order_number},
    )
    return event


def requests_pending(*, limit: int = 200) -> list[BillingEvent]:
    """The disconnection and reconnection requests no work order was made for yet, oldest
    first (the service app's periodic job reads them)."""
    return list(
        BillingEvent.objects.filter(kind__in=REQUEST_KINDS, handled_at__isnull=True)
        .select_related("account")
        .order_by("id")[:limit]
    )


def request_mark_handled(*, event: BillingEvent, order_number: str) -> bool:
    """Record the work order made for `event` (compare-and-set: False if another run did)."""
    updated = BillingEvent.objects.filter(pk=event.pk, handled_at__isnull=True).update(
        handled_at=timezone.now(), order_number=order_number
    )
    return updated == 1
