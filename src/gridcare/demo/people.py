"""Realistic, seeded personal data: Chinese names, mobiles, ID numbers, WeChat openids.

Everything is drawn from one `random.Random` and one seeded zh_CN `Faker`, in call order,
so the same seed gives the same people. Uniqueness is kept with sets used only for
membership (iterating a set of strings would depend on PYTHONHASHSEED).
"""

from __future__ import annotations

import datetime as dt
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from faker import Faker

from gridcare.core.validators import id_number_check_digit
from gridcare.demo.plan import BASE_DATE, COUNTY, DEMO_CUSTOMER_MOBILE

# Real mobile number segments of the three carriers (号段).
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]
# Most residents were born in the county's own prefecture (丽水, 3311xx); a few elsewhere.
LOCAL_AREA_CODES = ("331102", "331121", "331122", "331123", "331124", "331125", "331126")
OTHER_AREA_CODES = ("330106", "330302", "320102", "350203", "360102", "420106", "510104")
OPENID_ALPHABET = string.ascii_letters + string.digits + "-_"

VILLAGE_SUFFIXES = ("家村", "坑村", "岙村", "源村", "坪村", "塘村", "溪村", "岭村")
COMMERCIAL_TRADES = (
    "超市",
    "商贸有限公司",
    "餐饮店",
    "大酒店",
    "五金店",
    "物业管理有限公司",
    "汽车维修厂",
    "农资店",
    "建材商行",
    "幼儿园",
)
INDUSTRIAL_TRADES = ("水泥", "纺织", "机械制造", "食品", "竹木制品", "化工", "印染", "铸造")
FARM_KINDS = ("种植专业合作社", "股份经济合作社", "家庭农场", "茶叶专业合作社", "水产养殖场")
INSTITUTIONS = (
    f"{COUNTY}人民医院",
    f"{COUNTY}自来水有限公司",
    f"{COUNTY}中医院",
    f"{COUNTY}第一中学",
    f"{COUNTY}广播电视台",
    f"{COUNTY}污水处理厂",
    f"{COUNTY}公安局",
    f"{COUNTY}妇幼保健院",
)
T = TypeVar("T")


def weighted_choice(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """One value from (value, weight) pairs."""
    values = [value for value, _ in pairs]
    return rng.choices(values, [weight for _, weight in pairs])[0]


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str


class PeopleFactory:
    """Draws people and organisations; one instance per build, used in a fixed order."""

    def __init__(self, *, seed: int) -> None:
        self.rng = random.Random(seed)
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self._mobiles: set[str] = {DEMO_CUSTOMER_MOBILE}
        self._id_numbers: set[str] = set()
        self._openids: set[str] = set()

    def person(self) -> Person:
        """A name and a valid 18-character ID number whose sex digit matches the name."""
        female = self.rng.random() < 0.5
        name = self.faker.name_female() if female else self.faker.name_male()
        return Person(name=name, id_number=self.id_number(female=female))

    def id_number(self, *, female: bool) -> str:
        """GB 11643: area code, birth date (age 18–85 at the base date), sequence, check."""
        while True:
            codes = LOCAL_AREA_CODES if self.rng.random() < 0.85 else OTHER_AREA_CODES
            age_days = self.rng.randint(18 * 365, 85 * 365)
            born = BASE_DATE - dt.timedelta(days=age_days)
            # The 17th digit is odd for men and even for women.
            sequence = self.rng.randrange(0, 100) * 10 + self.rng.randrange(
                0 if female else 1, 10, 2
            )
            first17 = f"{self.rng.choice(codes)}{born:%Y%m%d}{sequence:03d}"
            number = first17 + id_number_check_digit(first17)
            if number not in self._id_numbers:
                self._id_numbers.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._mobiles:
                self._mobiles.add(number)
                return number

    def wechat_openid(self) -> str:
        """28 characters starting with "o", the shape of a WeChat official-account openid."""
        while True:
            openid = "o" + "".join(self.rng.choices(OPENID_ALPHABET, k=27))
            if openid not in self._openids:
                self._openids.add(openid)
                return openid

    def village(self) -> str:
        return self.faker.last_name() + self.rng.choice(VILLAGE_SUFFIXES)

    def street(self) -> str:
        return self.faker.street_name()

    def shop_name(self) -> str:
        return f"{COUNTY}{self.faker.company_prefix()}{self.rng.choice(COMMERCIAL_TRADES)}"

    def factory_name(self) -> str:
        return f"{self.faker.company_prefix()}{self.rng.choice(INDUSTRIAL_TRADES)}有限公司"

    def farm_name(self, *, village: str) -> str:
        return f"{village}{self.rng.choice(FARM_KINDS)}"

    def institution_name(self, index: int) -> str:
        if index < len(INSTITUTIONS):
            return INSTITUTIONS[index]
        return f"{COUNTY}{self.faker.company_prefix()}{self.rng.choice(('学校', '医院'))}"
