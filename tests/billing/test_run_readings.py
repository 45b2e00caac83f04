"""The billing run end to end: readings imported through metering, `gridcare billing run`
on the command line, late and suspect readings on a rerun."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gridcare.billing.choices import BillKind, BillStatus, HoldReason
from gridcare.billing.models import BillingHold
from gridcare.billing.services.ledger import ledger_check
from gridcare.metering.services import readings_import_records
from gridcare.testing.personas import World

from .run_support import CN, lines_of, live_bill
from .run_support import billed as billed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _warehouse(settings: Any, tmp_path: Path) -> Path:
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"
    return settings.WAREHOUSE_ROOT


def _records(meter: str, days: range, kwh: float, quality: str = "A") -> list[dict[str, Any]]:
    """Every 15-minute reading of November's `days` (the time is the interval's end)."""
    out = []
    for day in days:
        start = dt.datetime(2026, 11, day, tzinfo=CN)
        for slot in range(1, 97):
            ts = start + dt.timedelta(minutes=15 * slot)
            out.append({"meter": meter, "ts": ts.isoformat(), "kwh": kwh, "quality": quality})
    return out


def _import(world: World, records: list[dict[str, Any]]) -> None:
    batch = readings_import_records(actor=world.users["admin"], records=records)
    assert batch.report["rejected"] == 0, batch.report


def _billing(*args: str) -> str:
    out = io.StringIO()
    call_command("billing", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def november(billed: World) -> Iterator[World]:
    """A: 0.15 kWh every interval (432 kWh); B: the first 20 days only; C: 0.5 kWh."""
    _import(
        billed,
        _records("MA0001", range(1, 31), 0.15)
        + _records("MB0001", range(1, 21), 0.1)
        + _records("MC0001", range(1, 31), 0.5),
    )
    return billed


def test_the_command_bills_a_month_from_imported_readings(november: World) -> None:
    out = _billing("run", "--period", "2026-11")
    assert "billed" in out and "held" in out  # noqa: PT018 - one printed table
    a = live_bill(november.account_a)
    assert lines_of(a) == [
        ("energy.tier1", "200.000", "0.58886875", "117.77"),
        ("energy.tier2", "200.000", "0.63886875", "127.77"),
        ("energy.tier3", "32.000", "0.88886875", "28.44"),
    ]
    assert a.total == Decimal("273.98")
    c = live_bill(november.account_c)
    assert c.energy_kwh == Decimal("1440.000")
    assert c.total == sum(line.amount for line in c.lines.all())
    hold = BillingHold.objects.get()
    assert (hold.account, hold.reason) == (november.account_b, HoldReason.MISSING_READINGS)
    assert "MB0001 11-01–11-30: 1920 of 2880 readings (66.7 %)" in out
    holds = _billing("holds", "--period", "2026-11")
    assert "3100000000002  missing_readings  MB0001" in holds
    shown = _billing("show", a.number)
    assert "energy.tier3" in shown and "273.98" in shown  # noqa: PT018 - one printed bill


def test_late_and_suspect_readings_on_a_rerun(november: World) -> None:
    _billing("run", "--period", "2026-11")
    first = live_bill(november.account_a)
    kept = live_bill(november.account_c)
    _import(november, _records("MA0001", range(30, 31), 0.25))  # a late, corrected day
    suspect = _records("MC0001", range(12, 13), 0.5)[:1]
    suspect[0].update(kwh=1.5, quality="S")
    _import(november, suspect)
    _billing("run", "--period", "2026-11")
    first.refresh_from_db()
    rebill = live_bill(november.account_a)
    assert first.status == BillStatus.CANCELLED
    assert (rebill.kind, rebill.replaces_id) == (BillKind.REBILL, first.pk)
    assert rebill.energy_kwh == Decimal("441.600")  # 9.6 kWh more on the 30th
    assert live_bill(november.account_c) == kept  # held for review, its bill kept
    hold = BillingHold.objects.get(run__accounts_billed=1, account=november.account_c)
    assert hold.reason == HoldReason.SUSPECT_READINGS
    assert "1 suspect readings (1.500 kWh)" in hold.detail
    assert ledger_check(account=november.account_a)


def test_the_command_refuses_a_month_not_over(billed: World) -> None:
    with pytest.raises(CommandError, match=r"billing\.run\.period_open"):
        _billing("run", "--period", "2026-12")
    with pytest.raises(CommandError, match="no billing run"):
        _billing("holds", "--period", "2026-10")
