"""One account's arrears story, through the real services: disconnected and reconnected.

A home of the demo crew's station leaves two bills unpaid. The daily cycle reminds it the
day after the due date and ten days later, sends the disconnection notice once the oldest
bill is 30 days overdue (planned 7 days ahead), and on the planned day asks for
disconnection; the service app's job opens the work order, which the demo dispatcher
dispatches and the demo crew carries out. Two days later the customer pays everything at
the counter (late fees included), which asks for the supply back; the reconnection order
is opened with the committed time limit and completed the same day. Each step runs under
the clock of its day, so the console shows the whole timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from gridcare.billing.choices import BillStatus, PaymentMode
from gridcare.billing.models import Bill, BillingProfile
from gridcare.billing.selectors.cycle import account_arrears
from gridcare.billing.services.arrears import arrears_account
from gridcare.billing.services.payments import payment_record_counter
from gridcare.core.models import User
from gridcare.customers.models import Account
from gridcare.demo.orders_world import at_moment
from gridcare.demo.plan import DEMO_CUSTOMER_MOBILE, LOCAL_TZ
from gridcare.service.models import ServiceArea, WorkOrder
from gridcare.service.services.billing_orders import billing_requests_handle
from gridcare.service.services.lifecycle import order_act

#: Days after the oldest unpaid bill's due date on which the daily cycle acts (reminders,
#: the notice, the planned disconnection day: domain-facts §3.2, the cycle's settings).
CYCLE_DAYS = (1, 10, 30, 37)
CUT_DAY = 38
PAY_DAY = 40


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_TZ)


@contextmanager
def _on(day: dt.date, hour: int, minute: int = 0) -> Iterator[None]:
    with at_moment(_at(day, hour, minute)):
        yield


def story_account() -> Account | None:
    """The home the story is about: post-paid, residential, served by the demo crew's team,
    not the demo customer's; the first such account by number (the same every build)."""
    crew = User.objects.filter(username="demo-crew").first()
    if crew is None:
        return None
    served = ServiceArea.objects.filter(team=crew.org_unit).values("transformer")
    profile = (
        BillingProfile.objects.filter(
            payment_mode=PaymentMode.POSTPAID,
            account__tariff_class="residential",
            account__status="active",
            account__meters__transformer__in=served,
        )
        .exclude(account__registered_mobile=DEMO_CUSTOMER_MOBILE)
        .select_related("account")
        .order_by("account__number")
        .first()
    )
    return profile.account if profile else None


def _crew_completes(number: str, day: dt.date, hour: int) -> None:
    dispatcher = User.objects.get(username="demo-dispatcher")
    crew = User.objects.get(username="demo-crew")
    with _on(day, hour):
        order_act(actor=dispatcher, number=number, action="dispatch", team_id=crew.org_unit_id)
    with _on(day, hour, 40):
        order_act(actor=crew, number=number, action="take")
    with _on(day, hour + 1, 30):
        order_act(actor=crew, number=number, action="resolve", note="已按工单执行")


def demo_disconnection_story(*, account: Account, first_unpaid: dt.date) -> list[str]:
    """Run the story for `account`, whose bill of `first_unpaid` (a month) is its oldest
    unpaid one; returns the work-order numbers it opened."""
    bill = Bill.objects.get(account=account, period=first_unpaid, status=BillStatus.ISSUED)
    due = bill.due_date
    for offset in CYCLE_DAYS:
        with _on(due + dt.timedelta(days=offset), 1):
            arrears_account(account_id=account.pk, today=due + dt.timedelta(days=offset))
    planned = due + dt.timedelta(days=CYCLE_DAYS[-1])
    with _on(planned, 9, 5):
        billing_requests_handle()
    cut = WorkOrder.objects.filter(account=account).order_by("-id").first()
    numbers = []
    if cut is not None:
        numbers.append(cut.number)
        _crew_completes(cut.number, due + dt.timedelta(days=CUT_DAY), 10)
    pay_day = due + dt.timedelta(days=PAY_DAY)
    clerk = User.objects.get(username="demo-clerk")
    with _on(pay_day, 10):
        owed = account_arrears(account=account, today=pay_day).total
        payment_record_counter(
            actor=clerk, account=account, amount=owed, receipt_number=f"QX{pay_day:%Y%m%d}001"
        )
    with _on(pay_day, 10, 5):
        billing_requests_handle()
    restore = WorkOrder.objects.filter(account=account).order_by("-id").first()
    if restore is not None and restore.number not in numbers:
        numbers.append(restore.number)
        _crew_completes(restore.number, pay_day, 13)
    return numbers
