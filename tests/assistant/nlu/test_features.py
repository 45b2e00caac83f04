"""Meaning features: typos, homophones, pinyin, English and dialect reach the same
concepts as the standard wording."""

from __future__ import annotations

import re

import jieba
import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from gridcare.assistant.nlu.features import _lexicon, analyze, fuzzy, pinyin_split, syllable
from gridcare.assistant.nlu.lexicon import CONCEPTS
from gridcare.assistant.nlu.vectorize import StreamVectorizer

# jieba's dictionary counts; 3,000 and up is an everyday word.
COMMON_WORD_FREQUENCY = 3000
CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


def concepts(text: str) -> set[str]:
    return {c for c in analyze(text).concepts if "+" not in c}


@pytest.mark.parametrize("text", ["电费", "電費", "dianfei", "点费", "电废", "my electricity bill"])
def test_ways_of_writing_electricity_bill_mean_bill(text: str) -> None:
    assert "C_BILL" in concepts(text)


@pytest.mark.parametrize(
    "text", ["整个小区都停电了", "整栋楼冇电", "这一片都没得电", "邻居也没电了"]
)
def test_area_outage_wordings(text: str) -> None:
    assert {"C_AREA", "C_CUTOFF"} <= concepts(text)


@pytest.mark.parametrize(
    "text", ["就我家没电，邻居有电", "只有我家停电了", "屋头么得电了，隔壁亮着"]
)
def test_my_premises_wordings(text: str) -> None:
    assert {"C_MY_PREMISES", "C_CUTOFF"} <= concepts(text)


@pytest.mark.parametrize(
    ("typo", "concept"),
    [("跳匝", "C_FAULT"), ("增溶", "C_CAPACITY"), ("冲电桩", "C_EV"), ("开发漂", "C_INVOICE")],
)
def test_homophone_typos_reach_the_concept(typo: str, concept: str) -> None:
    assert concept in concepts(typo)


def test_a_phrase_across_a_word_boundary_is_not_a_match() -> None:
    # 阿拉|电表 contains 拉电 ("run a power line") only by accident.
    assert "C_NEW_CONNECTION" not in concepts("阿拉电表走得老快")
    assert "C_METER_WRONG" in concepts("阿拉电表走得老快")


def test_paid_but_still_off_has_both_concepts() -> None:
    assert {"C_PAID", "C_CUTOFF"} <= concepts("我交了电费怎么还没来电")


def test_concept_pairs_are_features() -> None:
    assert "C_ARREARS+C_CUTOFF" in analyze("欠费停电了").concepts


def test_pinyin_stream_is_shared_by_characters_and_typed_pinyin() -> None:
    assert "dian_fei" in analyze("电费").pinyin
    assert "dian_fei" in analyze("dian fei").pinyin
    assert "dian_fei" in analyze("dianfei").pinyin


@pytest.mark.parametrize(
    ("word", "syllables"), [("dianfei", ["dian", "fei"]), ("xianzai", ["xian", "zai"])]
)
def test_pinyin_split(word: str, syllables: list[str]) -> None:
    assert pinyin_split(word) == syllables


@pytest.mark.parametrize("word", ["bill", "meter", "x" * 40])
def test_english_words_are_not_pinyin(word: str) -> None:
    assert pinyin_split(word) is None


def test_domain_words_stay_whole() -> None:
    words = analyze("台区峰谷阶梯电价充电桩光伏增容过户户号").words
    for term in ("台区", "峰谷", "阶梯电价", "充电桩", "光伏", "增容", "过户", "户号"):
        assert term in words


def test_stream_vectorizer_matches_scikit_learns_tfidf() -> None:
    documents = [
        ["电费", "多少", "电费"],
        ["交", "电费"],
        ["停电", "小区"],
        ["多少", "停电", "停电"],
    ]
    ours = StreamVectorizer.fit(documents).matrix(documents).toarray()
    theirs = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True).fit_transform(documents)
    # Both order columns by token, so the matrices compare cell by cell.
    np.testing.assert_allclose(ours, theirs.toarray(), rtol=1e-6)


def test_sound_matching_never_takes_a_common_word_for_a_concept() -> None:
    """A lexicon phrase matched by sound must not sound like a common word of another
    meaning (有电 ≠ 有点, 气死 ≠ 其实): features._PINYIN_SKIPPED_PHRASES lists those."""
    jieba.initialize()
    by_sound: dict[tuple[str, ...], set[str]] = {}
    for entries in _lexicon().by_first_syllable.values():
        for key, concept in entries:
            by_sound.setdefault(key, set()).add(concept)
    collisions = []
    for word, frequency in jieba.dt.FREQ.items():
        if (
            frequency < COMMON_WORD_FREQUENCY
            or not 2 <= len(word) <= 4
            or not CJK_WORD.fullmatch(word)
        ):
            continue
        key = tuple(fuzzy(syllable(c)) for c in word)
        collisions += [(word, c) for c in by_sound.get(key, ()) if word not in CONCEPTS[c]]
    assert sorted(collisions) == [], sorted(collisions)
