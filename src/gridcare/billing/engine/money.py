"""Money and energy as Decimal, and the one rounding rule.

Rule (docs/architecture.md "Billing"): every bill line's amount is quantity × unit price
rounded half-up to the fen (0.01 yuan), once; a bill's total is the sum of its rounded lines,
so the lines always add up to the total a customer pays. Quantities are kWh to the Wh
(0.001), kW / kVA to 0.001; unit prices keep up to 8 decimals as published (0.58886875).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
WH = Decimal("0.001")
ZERO = Decimal("0")


def to_decimal(value: object, *, what: str = "value") -> Decimal:
    """A finite Decimal from a str/int/Decimal (floats go through their repr)."""
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{what}: not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"{what}: not a finite number: {value!r}")
    return number


def fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up (0.005 → 0.01)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def kwh(quantity: Decimal) -> Decimal:
    """Round energy to the Wh, half up."""
    return quantity.quantize(WH, rounding=ROUND_HALF_UP)
