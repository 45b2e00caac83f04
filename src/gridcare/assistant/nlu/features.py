"""What the classifier sees of a message: four token streams of its normalised text.

- `chars`: character 1–3-grams (robust to segmentation errors and unseen words).
- `words`: jieba words with a domain dictionary (户号, 台区, 阶梯电价 … stay whole), plus
  word bigrams.
- `pinyin`: toneless pinyin syllables and syllable bigrams of the Chinese characters and of
  ASCII pinyin (dianfei → dian fei), so homophone typos (点费, 电废) and typed pinyin share
  features with the right characters.
- `concepts`: the lexicon's concepts found in the message (lexicon.py), each alone and each
  pair of them (C_CUTOFF+C_ARREARS), since a linear model cannot combine features itself.

`analyze` is pure and deterministic; jieba and the pinyin tables load once per process.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import cache
from itertools import combinations

import jieba
from pypinyin import lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict

from gridcare.assistant.nlu.lexicon import CONCEPTS, DOMAIN_WORDS, PATTERNS
from gridcare.assistant.nlu.normalize import normalize

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_TOKEN_OK = re.compile(r"[\w¥]")

# Concepts whose phrases also match by pinyin. Question words, places and everyday words
# are left out: their syllables collide with other everyday words.
_PINYIN_SKIPPED_CONCEPTS = frozenset(
    {
        "C_HOW", "C_WHY", "C_APPLY", "C_QUERY", "C_NEGATION", "C_HIGH", "C_CHANGE",
        "C_URGENT", "C_POLICY", "C_OFFTOPIC", "C_MY_PREMISES", "C_AREA", "C_BYE",
        "C_OTHER_UTILITY", "C_NEIGHBOUR", "C_GADGET",
    }
)  # fmt: skip
# Phrases that sound like an everyday word of another meaning (有电 = 有点, 气死 = 其实,
# 电死 = 电视); tests/assistant/nlu/test_features.py finds them in jieba's dictionary.
_PINYIN_SKIPPED_PHRASES = frozenset(
    {
        "读数", "停了", "交了", "多了", "涨了", "表上", "户主", "充了", "意见", "想法", "同志",
        "员工", "名字", "号码", "执行", "时段", "收到", "处理中", "好人", "现金", "气死", "几时",
        "交咗", "喂喂", "谷时", "有电", "吃屎", "失望", "电量", "剩余", "电死", "经理", "已付",
        "关联", "及时",
    }
)  # fmt: skip
# Initials that many speakers (and so their typing) do not tell apart: zh/z, ch/c, sh/s,
# n/l. Pinyin matching compares syllables with these merged. Finals stay apart: merging
# -ng/-n as well made 表扬 sound like 表演 and 网上 like 晚上.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))

_jieba_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Analysis:
    """One message as token streams (see the module docstring)."""

    normalized: str
    chars: tuple[str, ...]
    words: tuple[str, ...]
    pinyin: tuple[str, ...]
    concepts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Lexicon:
    substring: tuple[tuple[str, str], ...]  # (phrase, concept), phrases of 2+ characters
    whole_word: dict[str, tuple[str, ...]]  # one-character and ASCII phrases → concepts
    # First fuzzy syllable → ((dian, fei), concept): a message looks up only what its
    # words can start with.
    by_first_syllable: dict[str, tuple[tuple[tuple[str, ...], str], ...]]
    patterns: tuple[tuple[re.Pattern[str], str], ...]


@cache
def _tokenizer() -> jieba.Tokenizer:
    """jieba with the domain words: its own instance, so the global one stays untouched."""
    with _jieba_lock:
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in _domain_words():
            tokenizer.add_word(word, freq=50_000)
        return tokenizer


def _domain_words() -> set[str]:
    words = set(DOMAIN_WORDS)
    for phrases in CONCEPTS.values():
        words.update(p for p in phrases if len(p) >= 2 and all(_CJK.match(c) for c in p))
    return words


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from pypinyin's character table)."""
    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            found.add(to_normal(reading))
    return frozenset(s for s in found if s.isascii() and s.isalpha())


def pinyin_split(word: str) -> list[str] | None:
    """An ASCII word as pinyin syllables (dianfei → [dian, fei]), or None if it is not one.

    Longest syllable first, backtracking, so xian stays one syllable and xianzai splits."""
    syllables = _syllables()
    if not word.isalpha() or len(word) > 30:
        return None

    def split(start: int) -> list[str] | None:
        if start == len(word):
            return []
        for end in range(min(len(word), start + 6), start, -1):
            piece = word[start:end]
            if piece in syllables:
                rest = split(end)
                if rest is not None:
                    return [piece, *rest]
        return None

    return split(0)


@cache
def _lexicon() -> _Lexicon:
    substring = []
    whole_word: dict[str, list[str]] = {}
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for concept, phrases in CONCEPTS.items():
        for phrase in phrases:
            is_cjk = bool(_CJK.search(phrase))
            if is_cjk and len(phrase) >= 2:
                substring.append((phrase, concept))
            else:
                whole_word.setdefault(phrase, []).append(concept)
            if (
                len(_CJK.findall(phrase)) == len(phrase) >= 2
                and concept not in _PINYIN_SKIPPED_CONCEPTS
                and phrase not in _PINYIN_SKIPPED_PHRASES
            ):
                key = tuple(fuzzy(p) for p in lazy_pinyin(phrase))
                by_first.setdefault(key[0], []).append((key, concept))
    return _Lexicon(
        substring=tuple(substring),
        whole_word={k: tuple(v) for k, v in whole_word.items()},
        by_first_syllable={k: tuple(v) for k, v in by_first.items()},
        patterns=tuple(
            (re.compile(pattern), concept)
            for concept, patterns in PATTERNS.items()
            for pattern in patterns
        ),
    )


@cache
def fuzzy(syllable: str) -> str:
    """A syllable with the initials speakers confuse merged (zhang → zang, ling → ning)."""
    for initial, merged in _FUZZY_INITIALS:
        if syllable.startswith(initial):
            return merged + syllable[len(initial) :]
    return syllable


@dataclass(frozen=True, slots=True)
class Segmented:
    """A normalised message cut into jieba tokens, with where words begin and end, in
    characters and in pinyin syllables (`units`: one per Chinese character or ASCII pinyin
    syllable, "#" for anything else, so no match runs across a number or a mark)."""

    text: str
    tokens: tuple[str, ...]
    boundaries: frozenset[int]
    units: tuple[str, ...]
    fuzzy_units: tuple[str, ...]
    unit_boundaries: frozenset[int]

    @property
    def words(self) -> list[str]:
        return [w for w in self.tokens if _TOKEN_OK.search(w)]

    @property
    def syllables(self) -> list[str]:
        return [u for u in self.units if u != "#"]


@cache
def syllable(char: str) -> str:
    """A Chinese character's usual toneless reading (its first in pypinyin's table).

    One reading per character, whatever the context: the pinyin stream needs the same
    character to give the same feature every time, and a table lookup costs a tenth of
    pypinyin's phrase-aware conversion. Rarer readings are left out on purpose: with
    them 辛苦 (xin ku, or xin hu) sounded like 新户 and 电能 (dian nai) like 电来."""
    first = pinyin_dict.get(ord(char), "").split(",")[0]
    return to_normal(first) if first else char


def segment(normalized: str) -> Segmented:
    tokens = _tokenizer().lcut(normalized)
    boundaries, unit_boundaries = {0}, {0}
    units: list[str] = []
    offset = 0
    for token in tokens:
        offset += len(token)
        boundaries.add(offset)
        if token.isspace():
            continue
        if _CJK_RUN.fullmatch(token):
            units.extend(syllable(c) for c in token)
        elif token.isascii() and token.isalpha() and (split := pinyin_split(token)):
            units.extend(split)
        else:
            units.append("#")
        unit_boundaries.add(len(units))
    return Segmented(
        text=normalized,
        tokens=tuple(tokens),
        boundaries=frozenset(boundaries),
        units=tuple(units),
        fuzzy_units=tuple(fuzzy(u) for u in units),
        unit_boundaries=frozenset(unit_boundaries),
    )


def _found_at_a_word_edge(phrase: str, seg: Segmented) -> bool:
    """`phrase` occurs starting or ending where a word does: 阿拉|电表 holds 拉电 (to run a
    power line) only by accident, 我家|拉电 means it."""
    start = seg.text.find(phrase)
    while start >= 0:
        if start in seg.boundaries or start + len(phrase) in seg.boundaries:
            return True
        start = seg.text.find(phrase, start + 1)
    return False


def _concepts_by_sound(seg: Segmented, lexicon: _Lexicon) -> set[str]:
    """Concepts some whole words of `seg` sound like (initials merged as in `fuzzy`;
    whole words only, because sound alone is a weaker match than writing)."""
    found = set()
    spoken = seg.fuzzy_units
    for start in seg.unit_boundaries:
        if start >= len(spoken):
            continue
        for key, concept in lexicon.by_first_syllable.get(spoken[start], ()):
            end = start + len(key)
            if end in seg.unit_boundaries and spoken[start:end] == key:
                found.add(concept)
    return found


def concepts_found(seg: Segmented) -> list[str]:
    """The lexicon concepts the message mentions, sorted, each once."""
    lexicon = _lexicon()
    text = seg.text
    found = {
        concept
        for phrase, concept in lexicon.substring
        if phrase in text and _found_at_a_word_edge(phrase, seg)
    }
    ascii_words = _ASCII_WORD.findall(text)
    for token in {*seg.tokens, *ascii_words}:
        found.update(lexicon.whole_word.get(token, ()))
    ascii_text = f" {' '.join(ascii_words)} "
    found.update(
        concept
        for phrase, concepts in lexicon.whole_word.items()
        if " " in phrase and f" {phrase} " in ascii_text
        for concept in concepts
    )
    found |= _concepts_by_sound(seg, lexicon)
    found.update(concept for pattern, concept in lexicon.patterns if pattern.search(text))
    return sorted(found)


def _ngrams(items: list[str], low: int, high: int) -> list[str]:
    return [
        "".join(items[i : i + n]) if n == 1 else "_".join(items[i : i + n])
        for n in range(low, high + 1)
        for i in range(len(items) - n + 1)
    ]


def char_ngrams(normalized: str) -> list[str]:
    chars = [c for c in normalized if not c.isspace()]
    return ["".join(chars[i : i + n]) for n in (1, 2, 3) for i in range(len(chars) - n + 1)]


def warm_up() -> None:
    """Load jieba, the pinyin tables and the lexicon now rather than on the first message."""
    analyze("warm up 电费 dianfei")


def analyze(text: str) -> Analysis:
    """The token streams of one (already bounded) message."""
    normalized = normalize(text)
    seg = segment(normalized)
    concepts = concepts_found(seg)
    pairs = [f"{a}+{b}" for a, b in combinations(concepts, 2)]
    return Analysis(
        normalized=normalized,
        chars=tuple(char_ngrams(normalized)),
        words=tuple(_ngrams(seg.words, 1, 2)),
        pinyin=tuple(_ngrams(seg.syllables, 1, 2)),
        concepts=tuple(concepts + pairs),
    )
