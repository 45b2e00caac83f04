"""The packaged utterances: enough of every intent, and a held-out set that is really
apart from the training set (issue 27, must-have 2)."""

from __future__ import annotations

from collections import Counter

import pytest
from rapidfuzz import fuzz, process

from gridcare.assistant.nlu.data import HELDOUT_FILE, TRAIN_FILE, examples_read
from gridcare.assistant.nlu.intents import INTENTS
from gridcare.assistant.nlu.normalize import normalize
from gridcare.assistant.nlu.types import Example

MIN_TRAIN_PER_INTENT = 60
MIN_HELDOUT_PER_INTENT = 20
NEAR_DUPLICATE_RATIO = 90


@pytest.fixture(scope="module")
def train() -> list[Example]:
    return examples_read(TRAIN_FILE)


@pytest.fixture(scope="module")
def heldout() -> list[Example]:
    return examples_read(HELDOUT_FILE)


def test_every_intent_has_enough_training_utterances(train: list[Example]) -> None:
    counts = Counter(e.intent for e in train)
    short = {i: counts[i] for i in INTENTS if counts[i] < MIN_TRAIN_PER_INTENT}
    assert short == {}


def test_every_intent_has_enough_heldout_utterances(heldout: list[Example]) -> None:
    counts = Counter(e.intent for e in heldout)
    short = {i: counts[i] for i in INTENTS if counts[i] < MIN_HELDOUT_PER_INTENT}
    assert short == {}


def test_no_text_is_in_both_sets(train: list[Example], heldout: list[Example]) -> None:
    seen = {normalize(e.text) for e in train}
    assert [e.text for e in heldout if normalize(e.text) in seen] == []


def test_no_heldout_line_is_a_near_duplicate_of_a_training_line(
    train: list[Example], heldout: list[Example]
) -> None:
    train_texts = [normalize(e.text) for e in train]
    heldout_texts = [normalize(e.text) for e in heldout]
    scores = process.cdist(
        heldout_texts, train_texts, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_RATIO
    )
    pairs = [(heldout_texts[i], train_texts[j]) for i, j in zip(*scores.nonzero(), strict=True)]
    assert pairs == []


def test_no_text_is_labelled_twice_within_a_set(
    train: list[Example], heldout: list[Example]
) -> None:
    for examples in (train, heldout):
        labels: dict[str, set[str]] = {}
        for e in examples:
            labels.setdefault(normalize(e.text), set()).add(e.intent)
        assert {t: i for t, i in labels.items() if len(i) > 1} == {}
