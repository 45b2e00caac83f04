"""How each tariff class is supplied: capacity, voltage, meter phase and multiplier.

Values follow common practice in Chinese distribution networks: homes take 4–12 kW
single-phase; shops and farms take three-phase 380 V; large industry (≥315 kVA) and
important institutions are supplied at 10 kV through their own transformer and metered
through current and voltage transformers, so their meter multiplier is CT × PT.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal

from gridcare.demo.people import weighted_choice
from gridcare.grid.choices import AreaClass, MeterPhase, VoltageLevel

LV_CT_PRIMARIES = (50, 75, 100, 150, 200, 300, 400, 500, 600, 750, 800, 1000, 1200, 1500)
HV_CT_PRIMARIES = (5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200)
CT_SECONDARY = 5
#: 10 kV / 100 V voltage transformer.
PT_RATIO = 100

RESIDENTIAL_KW = ((4, 15), (6, 30), (8, 30), (10, 15), (12, 10))
RESIDENTIAL_THREE_PHASE_KW = (15, 20, 25)
COMMERCIAL_KVA = (
    (5, 20),
    (10, 20),
    (15, 15),
    (20, 12),
    (30, 10),
    (50, 8),
    (80, 6),
    (100, 4),
    (160, 3),
    (200, 2),
)
AGRICULTURAL_KVA = (5, 7.5, 10, 15, 20, 30)
#: Above this a low-voltage meter cannot carry the current and is fed through CTs.
DIRECT_METERING_LIMIT_KVA = 50


@dataclass(frozen=True)
class Supply:
    capacity_kva: Decimal
    voltage_level: VoltageLevel
    phase: MeterPhase
    multiplier: int


def _ct_ratio(current_a: float, primaries: tuple[int, ...]) -> int:
    """The smallest standard CT whose primary carries `current_a`, as primary / 5 A."""
    primary = next((p for p in primaries if p >= current_a), primaries[-1])
    return primary // CT_SECONDARY


def lv_multiplier(kva: float) -> int:
    """Multiplier of a 380 V CT-fed meter for a load of `kva`."""
    return _ct_ratio(kva * 1000 / (math.sqrt(3) * 400), LV_CT_PRIMARIES)


def hv_multiplier(kva: float) -> int:
    """Multiplier of a 10 kV meter behind a CT and a 10 kV/100 V PT."""
    return _ct_ratio(kva * 1000 / (math.sqrt(3) * 10_000), HV_CT_PRIMARIES) * PT_RATIO


def _three_phase(kva: float) -> Supply:
    multiplier = 1 if kva <= DIRECT_METERING_LIMIT_KVA else lv_multiplier(kva)
    return Supply(Decimal(str(kva)), VoltageLevel.V380, MeterPhase.THREE, multiplier)


def residential(rng: random.Random, area: AreaClass) -> Supply:
    # Village houses often have three-phase supply for pumps and workshops.
    if area != AreaClass.URBAN and rng.random() < 0.08:
        return _three_phase(rng.choice(RESIDENTIAL_THREE_PHASE_KW))
    kw = weighted_choice(rng, RESIDENTIAL_KW)
    return Supply(Decimal(kw), VoltageLevel.V220, MeterPhase.SINGLE, 1)


def commercial(rng: random.Random) -> Supply:
    kva = weighted_choice(rng, COMMERCIAL_KVA)
    if kva <= 10:
        return Supply(Decimal(kva), VoltageLevel.V220, MeterPhase.SINGLE, 1)
    return _three_phase(kva)


def agricultural(rng: random.Random) -> Supply:
    return _three_phase(rng.choice(AGRICULTURAL_KVA))


def dedicated(rated_kva: int) -> Supply:
    """A 10 kV customer's contracted capacity is its own transformer's rating."""
    return Supply(Decimal(rated_kva), VoltageLevel.KV10, MeterPhase.THREE, hv_multiplier(rated_kva))


def transformer_total(rated_kva: int) -> Supply:
    """The 台区总表 on the low-voltage side of a transformer."""
    return Supply(Decimal(rated_kva), VoltageLevel.V380, MeterPhase.THREE, lv_multiplier(rated_kva))
