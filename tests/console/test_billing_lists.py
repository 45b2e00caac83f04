"""The arrears and low-balance lists: scoped to the reader's org unit, narrowed to a unit,
sorted by amount, days or number, paged, and in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from gridcare.billing.models import LedgerEntry
from gridcare.console import views_billing_lists
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, World
from tests.billing.factory import make_bill, make_payment, post_deduction

ARREARS = "/console/billing/arrears/"
LOW = "/console/billing/low-balance/"


def _rows(page: str, testid: str) -> list[str]:
    """The account numbers of the list's rows, in order."""
    table = page.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    return re.findall(r'gc-account-number" href="[^"]+">(\d{13})<', table)


def _overdue(world: World) -> dt.date:
    """A owes 300.00 for 40 days; C owes 80.00 for 10 days; B paid on time."""
    today = timezone.localdate()
    make_bill(
        world.account_a,
        period=dt.date(2026, 8, 1),
        total="300.00",
        due_date=today - dt.timedelta(days=40),
    )
    make_bill(
        world.account_a,
        period=dt.date(2026, 9, 1),
        total="50.00",
        due_date=today + dt.timedelta(days=5),
    )
    make_bill(
        world.account_c,
        period=dt.date(2026, 9, 1),
        total="80.00",
        due_date=today - dt.timedelta(days=10),
    )
    paid = make_bill(
        world.account_b,
        period=dt.date(2026, 9, 1),
        total="70.00",
        due_date=today - dt.timedelta(days=10),
    )
    make_payment(world.account_b, amount="70.00", bill=paid)
    return today


def test_the_arrears_list_shows_amount_and_days_overdue_most_overdue_first(
    world: World, client_for
) -> None:
    _overdue(world)

    page = client_for("manager").get(ARREARS).content.decode()

    assert _rows(page, "arrears-table") == [ACCOUNT_A, ACCOUNT_C]
    first = page.split('data-testid="arrears-row"')[1]
    assert 'data-testid="overdue-amount">¥300.00' in first  # the bill not yet due is not counted
    assert 'data-testid="days-overdue">40<' in first
    assert "2 个欠费户" in page


def test_the_arrears_list_sorts_by_amount_and_number(world: World, client_for) -> None:
    _overdue(world)
    client = client_for("manager")

    by_amount = client.get(ARREARS, {"sort": "amount"}).content.decode()
    by_number = client.get(ARREARS, {"sort": "-number"}).content.decode()

    assert _rows(by_amount, "arrears-table") == [ACCOUNT_C, ACCOUNT_A]
    assert _rows(by_number, "arrears-table") == [ACCOUNT_C, ACCOUNT_A]
    assert 'href="?sort=-amount"' in by_amount  # clicking again reverses


def test_the_arrears_list_is_scoped_to_the_station_and_narrows_to_a_unit(
    world: World, client_for
) -> None:
    _overdue(world)

    s1 = client_for("agent_s1").get(ARREARS).content.decode()
    bureau_s2 = client_for("manager").get(ARREARS, {"unit": world.station_2.pk}).content.decode()
    foreign_unit = client_for("agent_s1").get(ARREARS, {"unit": world.station_2.pk})

    assert _rows(s1, "arrears-table") == [ACCOUNT_A]
    assert _rows(bureau_s2, "arrears-table") == [ACCOUNT_C]
    assert foreign_unit.status_code == 400


def test_the_arrears_list_pages_keep_the_sort(world: World, client_for, monkeypatch) -> None:
    _overdue(world)
    monkeypatch.setattr(views_billing_lists, "PAGE_SIZE", 1)  # two accounts, two pages

    page = client_for("manager").get(ARREARS, {"sort": "amount"}).content.decode()

    assert _rows(page, "arrears-table") == [ACCOUNT_C]
    assert 'href="?sort=amount&amp;page=2"' in page


def test_lists_use_a_bounded_number_of_queries(
    world: World, client_for, django_assert_max_num_queries
) -> None:
    _overdue(world)
    post_deduction(world.account_b, amount="5.00", day=dt.date(2026, 11, 1))
    client = client_for("manager")
    for path in (ARREARS, LOW):
        with django_assert_max_num_queries(14):
            assert client.get(path).status_code == 200


def _backdate(account_number: str, seq: int, when: dt.datetime) -> None:
    LedgerEntry.objects.filter(account__number=account_number, seq=seq).update(at=when)


def test_the_low_balance_list_shows_prepaid_accounts_below_the_threshold(
    world: World, client_for
) -> None:
    """Bob (prepaid) topped up 10.00, then deductions took him to −6.00 three days ago."""
    now = timezone.now()
    make_payment(world.account_b, amount="10.00")
    post_deduction(world.account_b, amount="8.00", day=dt.date(2026, 11, 1))
    post_deduction(world.account_b, amount="8.00", day=dt.date(2026, 11, 2))
    _backdate(ACCOUNT_B, 1, now - dt.timedelta(days=5))
    _backdate(ACCOUNT_B, 2, now - dt.timedelta(days=4))
    _backdate(ACCOUNT_B, 3, now - dt.timedelta(days=3))
    make_bill(world.account_a, total="500.00")  # post-paid: never on this list

    page = client_for("agent_s2").get(LOW).content.decode()

    assert _rows(page, "low-balance-table") == [ACCOUNT_B]
    row = page.split('data-testid="low-balance-row"')[1]
    assert 'data-testid="balance">-¥6.00' in row
    assert 'data-testid="days-negative">3<' in row
    assert "GZ-RES-TOU" in row


def test_the_low_balance_threshold_is_a_parameter(world: World, client_for) -> None:
    make_payment(world.account_b, amount="30.00")
    client = client_for("manager")

    default = client.get(LOW).content.decode()
    higher = client.get(LOW, {"below": "50"}).content.decode()
    bad = client.get(LOW, {"below": "五十"})

    assert _rows(default, "low-balance-table") == []
    assert _rows(higher, "low-balance-table") == [ACCOUNT_B]
    assert 'data-testid="days-negative"' not in higher  # 30.00 is low, not negative
    assert bad.status_code == 400
    assert 'data-code="billing.amount.invalid"' in bad.content.decode()


def test_an_agent_of_another_station_does_not_see_bob_on_the_low_balance_list(
    world: World, client_for
) -> None:
    post_deduction(world.account_b, amount="1.00", day=dt.date(2026, 11, 1))

    page = client_for("agent_s1").get(LOW).content.decode()

    assert _rows(page, "low-balance-table") == []
