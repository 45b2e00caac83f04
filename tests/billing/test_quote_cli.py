"""`gridcare billing quote`: one line of JSON with the bill's lines for the four preset
codes (figures computed by hand below), and clear refusals of bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from gridcare.billing.models import Tariff, TariffVersion
from gridcare.billing.presets import preset_spec
from gridcare.billing.services.quote import quote
from gridcare.billing.services.tariffs import tariff_version_create
from gridcare.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _quote(*args: str) -> str:
    out = io.StringIO()
    call_command("billing", "quote", *args, "--json", stdout=out)
    return out.getvalue()


def _line(item: str, quantity: str, price: str, amount: str) -> dict[str, str]:
    return {"item": item, "quantity": quantity, "unit_price": price, "amount": amount}


def test_tiered_residential_in_a_winter_month() -> None:
    out = _quote("--tariff", "GZ-RES-TIER", "--month", "2026-11", "--kwh", "450")
    # Non-summer tiers 200 / 400 kWh at 0.58886875 (+0.05, +0.30):
    # 200 × 0.58886875 = 117.77375, 200 × 0.63886875 = 127.77375, 50 × 0.88886875 = 44.4434375
    assert out.count("\n") == 1
    assert json.loads(out) == {
        "total": "289.98",
        "lines": [
            _line("energy.tier1", "200.000", "0.58886875", "117.77"),
            _line("energy.tier2", "200.000", "0.63886875", "127.77"),
            _line("energy.tier3", "50.000", "0.88886875", "44.44"),
        ],
    }


def test_time_of_use_residential_with_the_ladder_surcharge() -> None:
    out = _quote(
        "--tariff", "GZ-RES-TOU", "--month", "2026-11", "--peak", "100", "--flat", "150",
        "--valley", "200",
    )  # fmt: skip
    # 100 × 0.9660 = 96.60; 150 × 0.5889 = 88.335 → 88.34; 200 × 0.2988 = 59.76;
    # 450 kWh: 200 above 200 × 0.05 = 10.00, 50 above 400 × 0.30 = 15.00.
    assert out == (
        '{"total": "269.70", "lines": ['
        '{"item": "energy.peak", "quantity": "100.000", "unit_price": "0.9660", "amount": "96.60"}, '
        '{"item": "energy.flat", "quantity": "150.000", "unit_price": "0.5889", "amount": "88.34"}, '
        '{"item": "energy.valley", "quantity": "200.000", "unit_price": "0.2988", "amount": "59.76"}, '
        '{"item": "ladder.tier2", "quantity": "200.000", "unit_price": "0.05", "amount": "10.00"}, '
        '{"item": "ladder.tier3", "quantity": "50.000", "unit_price": "0.30", "amount": "15.00"}'
        "]}\n"
    )


def test_general_commercial_with_critical_peak_and_funds() -> None:
    out = _quote(
        "--tariff", "GD-CI-TOU-1KV", "--month", "2026-07", "--critical", "50", "--peak", "300",
        "--flat", "400", "--valley", "250",
    )  # fmt: skip
    # 50 × 1.4291 = 71.455 → 71.46 (half up); 300 × 1.1433 = 342.99; 400 × 0.6725 = 269.00;
    # 250 × 0.2556 = 63.90; funds on 1000 kWh: 19.00, 1.9875 → 1.99, 6.20.
    assert json.loads(out) == {
        "total": "774.54",
        "lines": [
            _line("energy.sharp", "50.000", "1.4291", "71.46"),
            _line("energy.peak", "300.000", "1.1433", "342.99"),
            _line("energy.flat", "400.000", "0.6725", "269.00"),
            _line("energy.valley", "250.000", "0.2556", "63.90"),
            _line("fund.renewable", "1000.000", "0.019", "19.00"),
            _line("fund.water", "1000.000", "0.0019875", "1.99"),
            _line("fund.reservoir", "1000.000", "0.0062", "6.20"),
        ],
    }


def test_two_part_by_maximum_demand() -> None:
    out = _quote(
        "--tariff", "TWO-PART-35KV", "--month", "2026-11", "--peak", "20000", "--flat", "30000",
        "--valley", "10000.5", "--max-demand-kw", "320",
    )  # fmt: skip
    # 20000 × 0.9520 = 19040.00; 30000 × 0.5600 = 16800.00; 10000.5 × 0.2128 = 2128.1064 →
    # 2128.11; 320 kW × 40.8 = 13056.00; funds on 60000.5 kWh: 1140.0095 → 1140.01,
    # 119.25099… → 119.25, 372.0031 → 372.00.
    assert json.loads(out) == {
        "total": "52655.37",
        "lines": [
            _line("energy.peak", "20000.000", "0.9520", "19040.00"),
            _line("energy.flat", "30000.000", "0.5600", "16800.00"),
            _line("energy.valley", "10000.500", "0.2128", "2128.11"),
            _line("basic.demand", "320.000", "40.8", "13056.00"),
            _line("fund.renewable", "60000.500", "0.019", "1140.01"),
            _line("fund.water", "60000.500", "0.0019875", "119.25"),
            _line("fund.reservoir", "60000.500", "0.0062", "372.00"),
        ],
    }


def test_the_table_without_json_shows_the_total() -> None:
    out = io.StringIO()
    call_command(
        "billing", "quote", "--tariff", "GZ-RES-TIER", "--month", "2026-11", "--kwh", "450",
        stdout=out,
    )  # fmt: skip
    assert "289.98" in out.getvalue()
    assert "energy.tier3" in out.getvalue()


def test_a_version_change_inside_the_month_splits_the_usage_by_days() -> None:
    tier = Tariff.objects.get(code="GZ-RES-TIER")
    TariffVersion.objects.filter(tariff=tier).update(effective_to=dt.date(2026, 11, 15))
    spec = preset_spec("GZ-RES-TIER") | {"energy": {"all": "0.60"}}
    tariff_version_create(actor=None, tariff=tier, effective_from=dt.date(2026, 11, 16), spec=spec)
    result = quote(tariff_code="GZ-RES-TIER", month=dt.date(2026, 11, 1), kwh=Decimal("300"))
    # 150 kWh per half against half-month thresholds of 100 and 200.
    assert [(ln.item, ln.quantity, ln.unit_price) for ln in result.lines] == [
        ("energy.tier1", Decimal("100"), Decimal("0.58886875")),
        ("energy.tier2", Decimal("50.000"), Decimal("0.63886875")),
        ("energy.tier1", Decimal("100"), Decimal("0.60")),
        ("energy.tier2", Decimal("50.000"), Decimal("0.65")),
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"tariff_code": "NOPE", "kwh": Decimal(1)}, "billing.quote.tariff"),
        ({"tariff_code": "GZ-RES-TOU", "kwh": Decimal(1)}, "billing.quote.tou_needed"),
        ({"tariff_code": "GZ-RES-TIER"}, "billing.quote.usage_missing"),
        ({"tariff_code": "GZ-RES-TIER", "kwh": Decimal(-1)}, "billing.quote.negative"),
        (
            {"tariff_code": "GZ-RES-TIER", "kwh": Decimal(1), "peak": Decimal(1)},
            "billing.quote.usage_both",
        ),
        (
            {"tariff_code": "TWO-PART-35KV", "peak": 1, "flat": 1, "valley": 1},
            "billing.quote.demand_needed",
        ),
        ({"tariff_code": "GZ-RES-TIER", "kwh": Decimal("NaN")}, "billing.quote.negative"),
    ],
)
def test_the_quote_service_refuses_bad_input_with_a_code(
    kwargs: dict[str, object], code: str
) -> None:
    with pytest.raises(DomainError) as caught:
        quote(month=dt.date(2026, 11, 1), **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_a_month_before_any_version_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        quote(tariff_code="RES-TIER-ANNUAL", month=dt.date(2023, 5, 1), kwh=Decimal(10))
    assert caught.value.code == "billing.quote.no_version"


def test_an_unknown_tariff_is_a_command_error() -> None:
    with pytest.raises(CommandError, match=r"billing\.quote\.tariff"):
        _quote("--tariff", "NOPE", "--month", "2026-11", "--kwh", "1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13", "--kwh", "1"], "is not a month"),
        (["--month", "2026-11", "--kwh", "-5"], "a number of at least 0"),
        (["--month", "2026-11", "--kwh", "abc"], "is not a number"),
        (["--month", "2026-11", "--kwh", "1", "--peak", "2"], "not both"),
        (["--month", "2026-11", "--peak", "1", "--flat", "2"], "all of --peak"),
        (["--kwh", "1"], "--month"),
    ],
)
def test_bad_input_exits_non_zero_with_the_reason(args: list[str], message: str) -> None:
    # A real process: argparse prints the usage and the reason and exits 2.
    done = subprocess.run(
        [sys.executable, "-m", "gridcare", "billing", "quote", "--tariff", "GZ-RES-TIER", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""
