"""Entities a message names: account numbers, mobiles, months, dates, amounts, addresses.

Relative times are resolved against `today`, which the caller passes in (the engine never
reads the clock). The rules, each one function below:

- 户号: a run of 10–13 digits that is not a mobile number.
- Mobile: 1[3-9] and nine more digits (138 1234 5678 and 138-1234-5678 too).
- Months `YYYY-MM`: 本月/这个月, 上个月, 上上个月, N个月前, 前N个月/近N个月 (the N months
  before this one), N月 (the latest N-th month not after today), 今年/去年/前年N月,
  YYYY年N月, YYYY-MM; seasons (去年夏天 → June–August of last year; winter is December and
  the next January–February), never a month after today.
- Dates ISO: 今天, 昨天, 前天, 大前天, 明天, 后天; YYYY-MM-DD, YYYY年M月D日; M月D号/日 (this
  year's, unless that is more than 60 days ahead: then last year's); D号 (this month).
- Amounts in yuan as decimal strings: 200元, 150块 (一百五十块 after normalisation), ¥50.5,
  3千 / 3千元, 2万, 5毛 / 5角 → 0.5; never 3千瓦 (power).
- Addresses: a run of place segments each ending in 省/市/区/县/镇/乡/村/街道/路/街/巷/
  号/小区/栋/幢/单元/室 …; kept when it has two segments, a number (3栋) or a named place
  (阳光小区, not 整个小区).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from gridcare.assistant.nlu.normalize import numerals_to_digits, to_simplified
from gridcare.assistant.nlu.types import Entities

# How much of a message entity extraction reads: more than any real request needs, and
# a bound on the time a pasted essay can cost.
MAX_CHARS = 500

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_DIGIT_RUN = re.compile(r"(?<!\d)\d{10,13}(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(20\d{2}|19\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})(?:日|号)?(?!\d)")
_YEAR_MONTH = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?:年|[-/.])(\d{1,2})(?:月份?)?(?![\d号日])")
_MONTH_DAY = re.compile(r"(?<![\d年/.-])(\d{1,2})月(\d{1,2})(?:号|日)")
_RELATIVE_MONTH_DAY = re.compile(
    r"(上上个月|上上月|上个月|上月|这个月|本月|这月)(\d{1,2})(?:号|日)"
)
_DAY_ONLY = re.compile(
    r"(?<![\d月.路街巷弄道村镇区栋幢楼])(\d{1,2})(?:号|日)(?![\d楼院线桩机房门铺口店床车])"
)
_RELATIVE_YEAR_MONTH = re.compile(r"(今年|去年|前年|明年)(\d{1,2})月")
_BARE_MONTH = re.compile(r"(?<![\d年/.\-])(\d{1,2})月份?(?![\d号日])")
_N_MONTHS_AGO = re.compile(r"(\d{1,2})个月(?:以前|之前|前)")
_LAST_N_MONTHS = re.compile(r"(?:前|近|最近|过去|这)(\d{1,2})个月")
_SEASON = re.compile(r"(今年|去年|前年)(春天|春季|夏天|夏季|秋天|秋季|冬天|冬季)")
_SEASON_MONTHS = {"春": (3, 4, 5), "夏": (6, 7, 8), "秋": (9, 10, 11), "冬": (12, 13, 14)}
_YEAR_OFFSET = {"今年": 0, "去年": -1, "前年": -2, "明年": 1}
_RELATIVE_MONTH_WORDS = (
    ("上上个月", -2),
    ("上上月", -2),
    ("上个月", -1),
    ("上月", -1),
    ("本月", 0),
    ("这个月", 0),
    ("这月", 0),
    ("当月", 0),
)
_RELATIVE_DAY_WORDS = (
    ("大前天", -3),
    ("前天", -2),
    ("昨天", -1),
    ("昨日", -1),
    ("昨晚", -1),
    ("今天", 0),
    ("今日", 0),
    ("今晚", 0),
    ("明天", 1),
    ("后天", 2),
)
_NUMBER = r"(\d+(?:\.\d+)?)"
_AMOUNT_WITH_UNIT = re.compile(
    rf"{_NUMBER}\s*(千|万)?\s*(?:块钱|块|元|圆|rmb|yuan)(?:(\d)(?![\d.])(?:毛|角)?)?", re.I
)
_AMOUNT_CURRENCY = re.compile(rf"[¥￥]\s*{_NUMBER}\s*(千|万)?")
_AMOUNT_THOUSANDS = re.compile(rf"(?<![\d.]){_NUMBER}(千|万)(?!瓦|\d|伏|kw|w|元|块|圆)", re.I)
_AMOUNT_JIAO = re.compile(r"(?<![\d.块元])(\d)\s*(?:毛钱|毛|角)")
_MULTIPLIER = {"千": 1000, "万": 10000, None: 1, "": 1}

_ADDRESS_MARKERS = (
    "自治区|特别行政区|省|市|区|县|镇|乡|村|街道|大道|路|街|巷|弄|胡同|号院|号楼|号|小区|花园|"
    "苑|公寓|大厦|社区|组|栋|幢|座|单元|室|楼|层"
)
_ADDRESS_BODY = (
    r"[^\s，。、,.!?！？;；:：的了我你他她在是住址都也没停吗呢啊吧呀哦嘛要想请帮给跟从就还又被把]"
)
_ADDRESS = re.compile(rf"(?:{_ADDRESS_BODY}{{1,12}}?(?:{_ADDRESS_MARKERS}))+")
_ADDRESS_SEGMENT = re.compile(rf"{_ADDRESS_BODY}{{1,12}}?(?:{_ADDRESS_MARKERS})")
_NAMED_PLACE = re.compile(r"(路|街|巷|村|镇|乡|小区|花园|苑|社区|大厦|街道|胡同|大道)$")
_GENERIC_PREFIX = re.compile(
    r"^(整个|整|我们|咱们|这个|那个|这|那|全|本|我家|附近|隔壁|整条|一条|这条|那条|哪个|什么|"
    r"同一个|一个|旁边|台|片|市|城|郊|山|景|辖|园|小|社|各|两个|几个|好几个|某|该)$"
)


def _shift_month(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _month(year: int, month: int) -> str | None:
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 and 1900 <= year <= 2200 else None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _unique(values: list[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def mobiles_in(text: str) -> list[str]:
    return ["".join(m.groups()) for m in _MOBILE.finditer(text)]


def account_numbers_in(text: str) -> list[str]:
    """10–13-digit runs that are not mobile numbers."""
    without_mobiles = _MOBILE.sub(" ", text)
    return _DIGIT_RUN.findall(without_mobiles)


def _latest_month_not_after(today: date, month: int) -> str | None:
    year = today.year if month <= today.month else today.year - 1
    return _month(year, month)


def months_in(text: str, today: date) -> list[str | None]:
    """Months named in `text`, in the order of the rules (dates are removed first)."""
    text = _ISO_DATE.sub(" ", _MONTH_DAY.sub(" ", text))
    found: list[str | None] = []
    for match in _SEASON.finditer(text):
        year = today.year + _YEAR_OFFSET[match.group(1)]
        for month in _SEASON_MONTHS[match.group(2)[0]]:
            y, m = (year + 1, month - 12) if month > 12 else (year, month)
            if date(y, m, 1) <= today:
                found.append(_month(y, m))
    for word, offset in _RELATIVE_MONTH_WORDS:
        if word in text:
            found.append(_month(*_shift_month(today, offset)))
            text = text.replace(word, " ")
    for match in _N_MONTHS_AGO.finditer(text):
        found.append(_month(*_shift_month(today, -int(match.group(1)))))
    for match in _LAST_N_MONTHS.finditer(text):
        count = min(int(match.group(1)), 24)
        start = 0 if text[match.start()] == "这" else 1
        found.extend(
            _month(*_shift_month(today, -n)) for n in range(count - 1 + start, start - 1, -1)
        )
    for match in _RELATIVE_YEAR_MONTH.finditer(text):
        found.append(_month(today.year + _YEAR_OFFSET[match.group(1)], int(match.group(2))))
    text = _RELATIVE_YEAR_MONTH.sub(" ", text)
    for match in _YEAR_MONTH.finditer(text):
        found.append(_month(int(match.group(1)), int(match.group(2))))
    text = _YEAR_MONTH.sub(" ", text)
    for match in _BARE_MONTH.finditer(text):
        found.append(_latest_month_not_after(today, int(match.group(1))))
    return found


def dates_in(text: str, today: date) -> list[str | None]:
    found: list[str | None] = []
    month_offsets = dict(_RELATIVE_MONTH_WORDS)
    for match in _RELATIVE_MONTH_DAY.finditer(text):
        year, month = _shift_month(today, month_offsets[match.group(1)])
        found.append(_iso(year, month, int(match.group(2))))
    text = _RELATIVE_MONTH_DAY.sub(" ", text)
    for word, offset in _RELATIVE_DAY_WORDS:
        if word in text:
            found.append((today + timedelta(days=offset)).isoformat())
            text = text.replace(word, " ")
    for match in _ISO_DATE.finditer(text):
        found.append(_iso(*(int(g) for g in match.groups())))
    text = _ISO_DATE.sub(" ", text)
    for match in _MONTH_DAY.finditer(text):
        month, day = int(match.group(1)), int(match.group(2))
        this_year = _iso(today.year, month, day)
        too_far = this_year is not None and date.fromisoformat(this_year) > today + timedelta(
            days=60
        )
        found.append(_iso(today.year - 1, month, day) if too_far else this_year)
    text = _MONTH_DAY.sub(" ", text)
    for match in _DAY_ONLY.finditer(text):
        found.append(_iso(today.year, today.month, int(match.group(1))))
    return found


def _yuan(number: str, multiplier: str | None = None, tenths: str | None = None) -> str | None:
    try:
        value = Decimal(number) * _MULTIPLIER[multiplier]
    except InvalidOperation:
        return None
    if tenths:
        value += Decimal(tenths) / 10
    return format(value.normalize(), "f") if value > 0 else None


def amounts_in(text: str) -> list[str | None]:
    found: list[str | None] = []
    for pattern in (_AMOUNT_CURRENCY, _AMOUNT_WITH_UNIT):
        for match in pattern.finditer(text):
            found.append(_yuan(*match.groups()))
        text = pattern.sub(" ", text)
    for match in _AMOUNT_THOUSANDS.finditer(text):
        found.append(_yuan(*match.groups()))
    for match in _AMOUNT_JIAO.finditer(text):
        found.append(_yuan("0", None, match.group(1)))
    return found


def _is_address(span: str) -> bool:
    if re.fullmatch(r"\d+[号日]", span):  # 3号 alone is a day of the month
        return False
    segments = _ADDRESS_SEGMENT.findall(span)
    if len(segments) >= 2 or re.search(r"\d", span):
        return True
    # One segment: a named place (阳光小区), not a generic one (整个小区).
    marker = _NAMED_PLACE.search(span)
    if marker is None:
        return False
    name = span[: marker.start()]
    return len(name) >= 2 and not _GENERIC_PREFIX.match(name)


def addresses_in(text: str) -> list[str]:
    text = _RELATIVE_MONTH_DAY.sub(" ", _MONTH_DAY.sub(" ", _ISO_DATE.sub(" ", text)))
    spans = (m.group(0) for m in _ADDRESS.finditer(text))
    return [s for s in spans if _is_address(s) and not _GENERIC_PREFIX.match(s)]


def entities_extract(text: str, *, today: date) -> Entities:
    """Every entity of `text` (its first `MAX_CHARS` characters), relative to `today`."""
    text = numerals_to_digits(to_simplified(text[:MAX_CHARS])).lower()
    return Entities(
        account_numbers=_unique(list(account_numbers_in(text))),
        mobiles=_unique(list(mobiles_in(text))),
        months=_unique(months_in(text, today)),
        dates=_unique(dates_in(text, today)),
        amounts=_unique(amounts_in(text)),
        addresses=_unique(list(addresses_in(text))),
    )
