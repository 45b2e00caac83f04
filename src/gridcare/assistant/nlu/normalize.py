"""Text normalisation: one canonical form of a customer's message before anything reads it.

Steps, in order (`normalize`):

1. NFKC, so full-width letters, digits and punctuation become half-width (ＡＢＣ１２３ → abc123).
2. Traditional → simplified Chinese (OpenCC `t2s`: 電費 → 电费).
3. Lower case.
4. HTML tags removed (a pasted `<script>` is text to us, never markup).
5. Emoji and other symbols removed (categories So/Sk/Sm and format/private characters);
   currency signs stay because they mark amounts (¥50).
6. Runs of punctuation collapsed to one mark (!!!??? → !); a character repeated three or
   more times kept twice (啊啊啊啊 → 啊啊), digits excepted.
7. Chinese numerals before a unit become digits (一百五十块 → 150块, 十月 → 10月, 前两个月 →
   前2个月), through cn2an; numerals elsewhere stay (一直, 一下).
8. Whitespace collapsed; a space between two Chinese characters removed (电 费 → 电费).

`bounded` cuts a message to what classification reads: the opening and the closing part of
a very long message carry its request, and a fixed size keeps every message within a few
milliseconds.

>>> normalize("我家電費怎麼這麼貴！！！😡")
'我家电费怎么这么贵!'
>>> normalize("ＡＢＣ　上个月交了一百五十块")
'abc 上个月交了150块'
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache

import cn2an
import opencc

# What classification reads of a long message: its first and last characters.
HEAD_CHARS = 160
TAIL_CHARS = 80

_DROPPED_CATEGORIES = frozenset({"So", "Sk", "Sm", "Cf", "Co", "Cs", "Cn", "Mn", "Me", "Cc"})
_KEPT_SYMBOLS = frozenset("+%")
_TAG = re.compile(r"<[^<>]{0,200}>")
_PUNCT_RUN = re.compile(r"([!?,.;:~。，、！？；：…\-_*#=])[!?,.;:~。，、！？；：…\-_*#=]+")
_CHAR_RUN = re.compile(r"(\D)\1{2,}")
_SPACES = re.compile(r"\s+")
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
_CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
# A numeral run followed by a unit: the only place where digits help understanding.
_CN_NUMBER = re.compile(
    rf"(?<![0-9.])[{_CN_NUMERAL}][{_CN_NUMERAL}点]*"
    r"(?=元|块|毛|角|月|号|日|度|年|天|个|次|户|千瓦|kw|周|岁|小时|分钟|栋|楼|单元|室|台|辆)"
)


_converter_lock = threading.Lock()


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def bounded(text: str) -> str:
    """The part of `text` classification reads: all of it, or its head and tail."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return f"{text[:HEAD_CHARS]} {text[-TAIL_CHARS:]}"


def to_simplified(text: str) -> str:
    """NFKC (full-width → half-width) and traditional → simplified, nothing else."""
    with _converter_lock:  # the OpenCC handle is not documented as thread-safe
        return str(_converter().convert(unicodedata.normalize("NFKC", text)))


def strip_symbols(text: str) -> str:
    return "".join(
        ch
        for ch in text
        if ch in _KEPT_SYMBOLS
        or ch.isspace()
        or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )


def _numeral_to_digits(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        value = cn2an.cn2an(run, "smart")
    except (ValueError, KeyError, IndexError):
        return run
    return f"{value:g}" if isinstance(value, float) else str(value)


def numerals_to_digits(text: str) -> str:
    """Chinese numerals followed by a unit, as digits (一百五十块 → 150块)."""
    return _CN_NUMBER.sub(_numeral_to_digits, text)


def normalize(text: str) -> str:
    """The canonical form of `text` (steps in the module docstring)."""
    text = to_simplified(text).lower()
    text = _TAG.sub(" ", text)
    text = strip_symbols(text)
    text = _PUNCT_RUN.sub(r"\1", text)
    text = _CHAR_RUN.sub(r"\1\1", text)
    text = numerals_to_digits(text)
    text = _SPACES.sub(" ", text).strip()
    return _CJK_SPACE.sub("", text)
