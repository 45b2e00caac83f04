"""The presets load after migrate and the persona accounts have billing profiles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gridcare.billing.choices import LedgerKind
from gridcare.billing.models import Tariff
from gridcare.billing.services.ledger import ledger_check, ledger_post

pytestmark = pytest.mark.django_db


def test_presets_keep_their_codes() -> None:
    codes = set(Tariff.objects.values_list("code", flat=True))
    assert {"GZ-RES-TIER", "GZ-RES-TOU", "GD-CI-TOU-1KV", "TWO-PART-35KV"} <= codes


def test_a_posting_twice_by_key_changes_the_balance_once(world) -> None:  # type: ignore[no-untyped-def]
    account = world.account_a
    for _ in range(2):
        ledger_post(account=account, kind=LedgerKind.BILL, amount=Decimal("-10.50"), key="bill:X1")
    ledger_post(account=account, kind=LedgerKind.PAYMENT, amount=Decimal("4.00"), key="pay:P1")
    account.billing_profile.refresh_from_db()
    assert account.billing_profile.balance == Decimal("-6.50")
    assert ledger_check(account=account)
