"""The demo's billing story: bills for every account, payments, arrears, a prepaid account
running low, and one home disconnected and reconnected through the work orders."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridcare.billing.choices import BillingEventKind, BillStatus, PaymentMode, SupplyState
from gridcare.billing.models import Bill, BillingEvent, BillingProfile, LedgerEntry, Payment
from gridcare.billing.services.ledger import ledger_check
from gridcare.customers.models import Account
from gridcare.service.models import WorkOrder

MONTHS = 3


@pytest.fixture(autouse=True)
def _quick_static_files(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = []
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PAY_DEMO_KEYS_DIR = tmp_path / "paykeys"


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command(
        "demo", "--size", "small", "--no-serve", "--days", "0", *args, stdout=out
    )  # fmt: skip
    return out.getvalue()


@pytest.mark.django_db
def test_every_account_is_billed_and_one_home_is_cut_off_and_reconnected() -> None:
    output = run_demo("--bill-months", str(MONTHS))
    assert f"Billing: {MONTHS} months billed" in output
    profiles = BillingProfile.objects.count()
    assert profiles == Account.objects.count()
    assert Bill.objects.exclude(status=BillStatus.CANCELLED).count() == profiles * MONTHS
    assert Payment.objects.count() > profiles  # most bills paid, prepaid topped up
    # Arrears: some post-paid bills are still unpaid after their due date.
    assert Bill.objects.filter(status=BillStatus.ISSUED, payment_mode=PaymentMode.POSTPAID).exists()

    (cut,) = BillingEvent.objects.filter(kind=BillingEventKind.DISCONNECTED)
    story = cut.account
    kinds = list(
        BillingEvent.objects.filter(account=story)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds[-4:] == [
        "disconnect_requested",
        "disconnected",
        "reconnect_requested",
        "reconnected",
    ]
    assert BillingProfile.objects.get(account=story).supply_state == SupplyState.CONNECTED
    orders = WorkOrder.objects.filter(account=story, origin="system").order_by("id")
    assert [o.category.code for o in orders] == ["request.disconnection", "request.reconnection"]
    assert LedgerEntry.objects.filter(account=story, kind="late_fee").exists()

    for account in Account.objects.order_by("number")[:40]:
        assert ledger_check(account=account), account.number
    assert ledger_check(account=story)

    # A second run bills nothing again.
    again = run_demo("--bill-months", str(MONTHS))
    assert "months billed" not in again
    assert Bill.objects.exclude(status=BillStatus.CANCELLED).count() == profiles * MONTHS


@pytest.mark.parametrize("value", ["-1", "14", "x"])
def test_bill_months_is_refused_outside_0_to_13(value: str) -> None:
    with pytest.raises(CommandError):
        call_command("demo", "--bill-months", value, "--no-serve")
