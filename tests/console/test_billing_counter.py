"""营业厅收费 and 对账 in the console: the counter form finds the account, parses the amount
with a clear error, and is one payment however often it is submitted; the reconciliation
list shows the callbacks needing attention and takes a resolution."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from gridcare.billing.choices import CallbackVerdict
from gridcare.billing.models import CallbackRecord, Payment
from gridcare.core.choices import Role
from gridcare.core.services import staff_user_create
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, PASSWORD, World
from tests.billing.factory import make_bill, make_callback, make_payment

COUNTER = "/console/billing/counter/"
RECONCILIATION = "/console/billing/reconciliation/"
TOKEN = "0123456789abcdef0123456789abcdef"


def form(**fields: str) -> dict[str, str]:
    return {
        "account": ACCOUNT_A,
        "token": TOKEN,
        "provider": "counter_cash",
        "amount": "128.50",
        **fields,
    }


def test_the_counter_shows_the_accounts_balance_and_unpaid_bills(world: World, client_for) -> None:
    bill = make_bill(world.account_a, total="128.50")

    page = client_for("clerk_s1").get(COUNTER, {"account": ACCOUNT_A}).content.decode()

    assert 'data-testid="counter-outstanding">¥128.50' in page
    assert bill.number in page
    assert 'value="128.50"' in page  # the amount starts at what is owed
    assert 'name="token" value="' in page


def test_an_account_outside_the_clerks_station_is_not_found(world: World, client_for) -> None:
    response = client_for("clerk_s1").get(COUNTER, {"account": ACCOUNT_B})

    assert response.status_code == 404
    assert 'data-code="billing.account.not_found"' in response.content.decode()
    assert 'data-testid="counter-payment-form"' not in response.content.decode()


@pytest.mark.parametrize("amount", ["abc", "0", "12.345", "-5", ""])
def test_an_amount_that_is_not_yuan_and_fen_is_refused_beside_the_field(
    world: World, client_for, amount: str
) -> None:
    response = client_for("clerk_s1").post(COUNTER, form(amount=amount))

    assert response.status_code == 400
    page = response.content.decode()
    assert (
        'data-testid="amount-error">金额应为 0.01 到 1,000,000 元之间的数字，最多两位小数，例如 128.50'
        in page
    )
    assert f'name="token" value="{TOKEN}"' in page  # the same form, to submit again
    assert not Payment.objects.exists()


def test_a_bank_transfer_needs_its_reference(world: World, client_for) -> None:
    response = client_for("clerk_s1").post(COUNTER, form(provider="bank_transfer"))

    assert response.status_code == 400
    assert "银行转账请填写银行流水号" in response.content.decode()


def test_a_form_without_its_token_is_refused(world: World, client_for) -> None:
    response = client_for("clerk_s1").post(COUNTER, form(token="x"))

    assert response.status_code == 400
    assert 'data-code="console.counter.bad_token"' in response.content.decode()


def test_a_bill_of_another_account_cannot_be_paid_here(world: World, client_for) -> None:
    other = make_bill(world.account_b)

    response = client_for("admin").post(COUNTER, form(bill=other.number))

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_counter_payment_leads_to_its_receipt_and_a_double_submit_is_one_payment(
    world: World, client_for
) -> None:
    bill = make_bill(world.account_a, total="128.50")
    client = client_for("clerk_s1")

    first = client.post(COUNTER, form(bill=bill.number, amount="１２８．５０"))
    again = client.post(COUNTER, form(bill=bill.number, amount="128.50"))

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    payment = Payment.objects.get()
    assert first["Location"] == f"/console/billing/payments/{payment.out_trade_no}/receipt/"
    assert (payment.amount, payment.provider, payment.bill) == (bill.total, "counter_cash", bill)
    receipt = client.get(first["Location"]).content.decode()
    assert "壹佰贰拾捌元伍角整" in receipt


def test_the_reconciliation_list_shows_open_callbacks_that_need_attention(
    world: World, client_for
) -> None:
    make_callback(verdict=CallbackVerdict.UNKNOWN_ORDER, out_trade_no="P-GHOST-1")
    make_callback(verdict=CallbackVerdict.WRONG_AMOUNT, out_trade_no="P-WRONG-1")
    make_callback(verdict=CallbackVerdict.BAD_SIGNATURE, out_trade_no="P-FORGED-1")
    make_callback(verdict=CallbackVerdict.APPLIED, out_trade_no="P-FINE-1")
    make_callback(verdict=CallbackVerdict.WRONG_AMOUNT, out_trade_no="P-DONE-1", resolved=True)

    open_page = client_for("manager").get(RECONCILIATION).content.decode()
    everything = client_for("manager").get(RECONCILIATION, {"show": "all"}).content.decode()

    assert open_page.count('data-testid="callback-row"') == 2
    assert "P-GHOST-1" in open_page
    assert "P-WRONG-1" in open_page
    assert "P-FORGED-1" not in everything
    assert "P-FINE-1" not in everything
    assert "P-DONE-1" in everything
    assert "P-DONE-1" not in open_page


def _station_manager(world: World) -> Any:
    return staff_user_create(
        actor=None,
        username="manager_s1",
        display_name="manager_s1",
        role=Role.MANAGER,
        org_unit=world.station_1,
        password=PASSWORD,
    )


def test_a_station_reconciler_sees_callbacks_of_its_payments_and_unplaceable_ones(
    world: World,
) -> None:
    """A manager of station S1: a callback naming B's payment (S2) is not theirs; one
    naming no known payment cannot be placed, so every reconciler sees it."""
    manager_s1 = _station_manager(world)
    b_payment = make_payment(world.account_b, amount="9.00")
    a_payment = make_payment(world.account_a, amount="8.00")
    make_callback(verdict=CallbackVerdict.WRONG_AMOUNT, out_trade_no=b_payment.out_trade_no)
    make_callback(verdict=CallbackVerdict.WRONG_AMOUNT, out_trade_no=a_payment.out_trade_no)
    make_callback(verdict=CallbackVerdict.UNKNOWN_ORDER, out_trade_no="P-GHOST-9")
    client = Client()
    client.force_login(manager_s1)

    page = client.get(RECONCILIATION).content.decode()

    assert a_payment.out_trade_no in page
    assert "P-GHOST-9" in page
    assert b_payment.out_trade_no not in page


def test_resolving_needs_a_resolution(world: World, client_for) -> None:
    record = make_callback()

    response = client_for("manager").post(f"{RECONCILIATION}{record.pk}/resolve/", {"note": "x"})

    assert response.status_code == 400
    assert 'data-code="billing.reconcile.resolution"' in response.content.decode()
    record.refresh_from_db()
    assert record.resolved_at is None


def test_dismissing_needs_a_note(world: World, client_for) -> None:
    record = make_callback(verdict=CallbackVerdict.WRONG_AMOUNT)

    response = client_for("manager").post(
        f"{RECONCILIATION}{record.pk}/resolve/", {"resolution": "dismissed", "note": " "}
    )

    assert response.status_code == 400
    assert 'data-code="billing.reconcile.note"' in response.content.decode()
    record.refresh_from_db()
    assert record.resolved_at is None


def test_only_reconcilers_may_resolve(world: World, client_for) -> None:
    record = make_callback()

    response = client_for("clerk_s1").post(
        f"{RECONCILIATION}{record.pk}/resolve/", {"resolution": "dismissed", "note": "x"}
    )

    assert response.status_code == 403
    assert CallbackRecord.objects.get(pk=record.pk).resolved_at is None


def test_a_dismissed_callback_leaves_the_open_list(world: World, client_for) -> None:
    record = make_callback(out_trade_no="P-GHOST-2")
    client = client_for("manager")

    response = client.post(
        f"{RECONCILIATION}{record.pk}/resolve/",
        {"resolution": "dismissed", "note": "与微信支付核对：测试订单"},
    )

    assert response.status_code == 302
    assert "P-GHOST-2" not in client.get(RECONCILIATION).content.decode()
    assert CallbackRecord.objects.get(pk=record.pk).resolved_at is not None


def test_money_of_an_unknown_order_is_credited_to_the_account_typed(
    world: World, client_for
) -> None:
    record = make_callback(verdict=CallbackVerdict.UNKNOWN_ORDER, amount="30.00")

    response = client_for("manager").post(
        f"{RECONCILIATION}{record.pk}/resolve/",
        {"resolution": "applied", "account": ACCOUNT_A, "note": "客户来电确认"},
    )

    assert response.status_code == 302, response.content.decode()
    credited = Payment.objects.get(account=world.account_a)
    assert credited.amount == Decimal("30.00")


def test_an_account_outside_the_reconcilers_scope_cannot_be_credited(
    world: World, client_for
) -> None:
    record = make_callback(verdict=CallbackVerdict.UNKNOWN_ORDER, amount="30.00")
    manager_s1 = _station_manager(world)
    client = Client()
    client.force_login(manager_s1)

    response = client.post(
        f"{RECONCILIATION}{record.pk}/resolve/",
        {"resolution": "applied", "account": ACCOUNT_B, "note": "x"},
    )

    assert response.status_code == 404
    assert not Payment.objects.exists()
