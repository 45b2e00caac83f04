"""What the demo utility contains: fixed names and codes, logins, and counts for a size.

The demo is a fictional county, 青溪县, in a real province and city so addresses read
naturally. Everything the command prints (logins, passwords, account numbers) is fixed here
so the README and the terminal agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from gridcare.core.choices import Role
from gridcare.customers.choices import TariffClass

# --- Fixed facts ---

#: Finding the demo again means finding this org unit; it is never used outside the demo.
BUREAU_CODE = "DEMO-QX"
DEFAULT_SEED = 2026
#: Dates are derived from this day, never from the clock, so a seed fixes every value.
BASE_DATE = dt.date(2026, 1, 1)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

#: All demo logins share one password: at least 8 characters and not a common password.
DEMO_PASSWORD = "demo-2026!"
#: The demo customer's login; also the registered mobile of the demo accounts below.
DEMO_CUSTOMER_MOBILE = "13800138000"
#: How many of the demo customer's accounts are bound at start (the rest can be bound).
DEMO_BOUND_ACCOUNTS = 2
DEMO_CUSTOMER_ACCOUNTS = 3

PROVINCE = "浙江省"
CITY = "丽水市"
COUNTY = "青溪县"


@dataclass(frozen=True)
class StaffLogin:
    role: Role
    username: str
    #: Index into the org tree: "bureau", "station" (the first station) or "team".
    placement: str


STAFF_LOGINS = (
    StaffLogin(Role.AGENT, "demo-agent", "station"),
    StaffLogin(Role.BUSINESS_HALL_CLERK, "demo-clerk", "station"),
    StaffLogin(Role.DISPATCHER, "demo-dispatcher", "team"),
    StaffLogin(Role.FIELD_CREW, "demo-crew", "team"),
    StaffLogin(Role.ANALYST, "demo-analyst", "bureau"),
    StaffLogin(Role.MANAGER, "demo-manager", "bureau"),
    StaffLogin(Role.ADMIN, "demo-admin", "bureau"),
)

# --- Size ---

SIZE_NAMES = {"small": 0.1, "default": 1.0, "large": 4.0}
MIN_FACTOR = 0.01
MAX_FACTOR = 20.0

BASE_ACCOUNTS = 12_000
BASE_TRANSFORMERS = 240
BASE_LARGE_INDUSTRIAL = 24
BASE_INSTITUTIONS = 5
SUBSTATIONS = 2
FEEDERS = 12
STATIONS = 3
TEAMS_PER_STATION = 2
# Shares of all accounts; residential takes the rest (domain-facts §4: most 户 are homes).
GENERAL_COMMERCIAL_SHARE = 0.09
AGRICULTURAL_SHARE = 0.03


def parse_size(value: str) -> float:
    """`small`, `default`, `large` or a positive factor such as `0.5` or `2`."""
    if value in SIZE_NAMES:
        return SIZE_NAMES[value]
    try:
        factor = float(value)
    except ValueError:
        names = ", ".join(SIZE_NAMES)
        raise argparse.ArgumentTypeError(f"size must be one of {names} or a number") from None
    if not MIN_FACTOR <= factor <= MAX_FACTOR:
        raise argparse.ArgumentTypeError(f"size must be between {MIN_FACTOR} and {MAX_FACTOR}")
    return factor


@dataclass(frozen=True)
class DemoPlan:
    """How many of each thing a demo of `factor` × the default size holds.

    Org units, substations and feeders are fixed; transformers and accounts scale.
    Large industrial customers and important institutions each get a dedicated transformer
    (专变), the rest share public transformers (公变).
    """

    seed: int = DEFAULT_SEED
    factor: float = 1.0

    @property
    def accounts(self) -> int:
        return max(100, round(BASE_ACCOUNTS * self.factor))

    @property
    def large_industrial(self) -> int:
        return max(1, round(BASE_LARGE_INDUSTRIAL * self.factor))

    @property
    def institutions(self) -> int:
        """Important general-commercial customers (hospital, water works) on 10 kV."""
        return max(1, round(BASE_INSTITUTIONS * self.factor))

    @property
    def general_commercial(self) -> int:
        return max(self.institutions + 1, round(self.accounts * GENERAL_COMMERCIAL_SHARE))

    @property
    def agricultural(self) -> int:
        return max(1, round(self.accounts * AGRICULTURAL_SHARE))

    @property
    def residential(self) -> int:
        return self.accounts - self.large_industrial - self.general_commercial - self.agricultural

    @property
    def dedicated_transformers(self) -> int:
        return self.large_industrial + self.institutions

    @property
    def transformers(self) -> int:
        # Every feeder carries at least one public transformer.
        minimum = FEEDERS + self.dedicated_transformers
        return max(minimum, round(BASE_TRANSFORMERS * self.factor))

    @property
    def public_transformers(self) -> int:
        return self.transformers - self.dedicated_transformers

    @property
    def customers(self) -> int:
        # The demo customer holds several accounts; every other customer holds one.
        return self.accounts - (DEMO_CUSTOMER_ACCOUNTS - 1)

    @property
    def meters(self) -> int:
        """One meter per account plus one transformer-total meter (台区总表) each."""
        return self.accounts + self.transformers

    def tariff_counts(self) -> dict[str, int]:
        return {
            TariffClass.RESIDENTIAL: self.residential,
            TariffClass.GENERAL_COMMERCIAL: self.general_commercial,
            TariffClass.LARGE_INDUSTRIAL: self.large_industrial,
            TariffClass.AGRICULTURAL: self.agricultural,
        }
