"""The demo's logins: one staff user per role, and a customer with accounts to try.

Staff are created through `staff_user_create`, the customer through
`customer_user_register`, like real users. The customer's first accounts start out bound
(as the test personas are, without the SMS round trip); one account with the same
registered mobile is left unbound so a visitor can walk through the binding flow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import translation

from gridcare.core.choices import Role
from gridcare.core.models import OrgUnit, User
from gridcare.core.services import customer_user_register, staff_user_create
from gridcare.customers.models import Account, AccountBinding, Customer
from gridcare.demo.people import PeopleFactory
from gridcare.demo.plan import (
    BASE_DATE,
    DEMO_CUSTOMER_MOBILE,
    DEMO_PASSWORD,
    LOCAL_TZ,
    STAFF_LOGINS,
)
from gridcare.demo.topology import OrgTree

BASE_URL = "http://127.0.0.1:{port}"
PORTAL_LOGIN = "/portal/login/"
CONSOLE_LOGIN = "/console/login/"
ADMIN_LOGIN = "/admin/"


@dataclass(frozen=True)
class LoginRow:
    role: Role
    username: str
    password: str
    #: Paths to log in at, first the main one.
    paths: tuple[str, ...]

    def role_label(self, language: str) -> str:
        with translation.override(language):
            return str(self.role.label)


def _placement(tree: OrgTree, placement: str) -> OrgUnit:
    """Front-office staff sit in the first station, crews in its repair team."""
    return {"bureau": tree.bureau, "station": tree.stations[0], "team": tree.teams[0][0]}[placement]


def staff_logins_create(*, tree: OrgTree, seed: int) -> list[User]:
    # A separate stream, so staff names do not shift when the customer data changes.
    people = PeopleFactory(seed=seed + 1)
    return [
        staff_user_create(
            actor=None,
            username=login.username,
            display_name=people.person().name,
            role=login.role,
            org_unit=_placement(tree, login.placement),
            password=DEMO_PASSWORD,
            mobile=people.mobile(),
        )
        for login in STAFF_LOGINS
    ]


def customer_login_create(*, customer: Customer, bound: list[Account]) -> User:
    """The demo customer's portal login, bound to `bound` and linked to the customer."""
    user = customer_user_register(
        mobile=DEMO_CUSTOMER_MOBILE, password=DEMO_PASSWORD, display_name=customer.name
    )
    bound_at = dt.datetime.combine(BASE_DATE, dt.time(12), tzinfo=LOCAL_TZ)
    AccountBinding.objects.bulk_create(
        [AccountBinding(user=user, account=account, bound_at=bound_at) for account in bound]
    )
    Customer.objects.filter(pk=customer.pk).update(user=user)
    return user


def login_rows() -> list[LoginRow]:
    """What the command prints: the customer first, then staff in role order."""
    rows = [LoginRow(Role.CUSTOMER, DEMO_CUSTOMER_MOBILE, DEMO_PASSWORD, (PORTAL_LOGIN,))]
    for login in STAFF_LOGINS:
        paths = (CONSOLE_LOGIN, ADMIN_LOGIN) if login.role == Role.ADMIN else (CONSOLE_LOGIN,)
        rows.append(LoginRow(login.role, login.username, DEMO_PASSWORD, paths))
    return rows


@dataclass(frozen=True)
class DemoAccounts:
    bound: list[str]
    to_bind: list[str]


def demo_accounts(supply_units: list[OrgUnit]) -> DemoAccounts:
    """The demo customer's account numbers: bound to the demo login, and still free to bind."""
    accounts = Account.objects.filter(
        registered_mobile=DEMO_CUSTOMER_MOBILE, supply_unit__in=supply_units
    ).order_by("number")
    bound = set(
        AccountBinding.objects.filter(
            account__in=accounts, user__username=DEMO_CUSTOMER_MOBILE, revoked_at__isnull=True
        ).values_list("account__number", flat=True)
    )
    numbers = list(accounts.values_list("number", flat=True))
    return DemoAccounts(
        bound=[n for n in numbers if n in bound], to_bind=[n for n in numbers if n not in bound]
    )
