"""The intent model: fit on labelled examples, `understand` one message, save and load.

How a message is understood:

1. `normalize.bounded` keeps the head and tail of a very long message.
2. `features.analyze` normalises it and makes four token streams: characters, jieba
   words, pinyin syllables, lexicon concepts (and concept pairs).
3. Each stream has its own TF-IDF (vectorize.py: sublinear, L2-normalised); the four are
   weighted (`ModelSettings.weights`) and joined side by side.
4. Logistic regression gives a probability per intent. A second logistic regression on
   the character stream alone gives its own; the two are averaged (`char_opinion` is the
   second one's share). Characters alone know the phrasing the lexicon has no word for,
   the full model knows meaning; on the held-out set the blend beat either alone
   (bench/README.md "Assistant"). The best is the intent, its probability the
   confidence, the best three the ranking.
5. `rules.rules_apply` settles the few unmistakable cases (see rules.py).
6. Entities and anger are read from the whole message (entities.py, anger.py).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression

from gridcare.assistant.nlu.anger import is_angry
from gridcare.assistant.nlu.entities import entities_extract
from gridcare.assistant.nlu.features import Analysis, analyze, warm_up
from gridcare.assistant.nlu.normalize import bounded
from gridcare.assistant.nlu.rules import rules_apply
from gridcare.assistant.nlu.types import Example, Understanding
from gridcare.assistant.nlu.vectorize import StreamVectorizer

# Bump when features, lexicon or settings change what a saved model means: a saved model
# of another version is retrained instead of loaded (services/model.py names files by it).
MODEL_VERSION = 2

STREAMS = ("chars", "words", "pinyin", "concepts")


@dataclass(frozen=True)
class ModelSettings:
    """How much each token stream counts, and the regularisation (C: larger fits closer)."""

    weights: dict[str, float] = field(
        default_factory=lambda: {"chars": 1.4, "words": 1.0, "pinyin": 0.8, "concepts": 1.0}
    )
    c: float = 10.0
    char_opinion: float = 0.4


class IntentModel:
    """Trained in `__init__`; `understand` is thread-safe (it only reads)."""

    def __init__(
        self, examples: Sequence[Example], *, settings: ModelSettings | None = None
    ) -> None:
        self.version = MODEL_VERSION
        self.settings = settings or ModelSettings()
        analyses = [analyze(bounded(e.text)) for e in examples]
        self._streams = {
            name: StreamVectorizer.fit([getattr(a, name) for a in analyses]) for name in STREAMS
        }
        labels = [e.intent for e in examples]
        classifier = LogisticRegression(C=self.settings.c, max_iter=3000)
        classifier.fit(self.matrix(analyses), labels)
        self.intents: tuple[str, ...] = tuple(str(c) for c in classifier.classes_)
        self._coef, self._intercept = _scoring_arrays(classifier)
        chars_only = LogisticRegression(C=self.settings.c, max_iter=3000)
        chars_only.fit(self._streams["chars"].matrix([a.chars for a in analyses]), labels)
        self._chars_coef, self._chars_intercept = _scoring_arrays(chars_only)

    def matrix(self, analyses: Sequence[Analysis]) -> csr_matrix:
        """The weighted streams side by side, one row per message."""
        blocks = [
            stream.matrix([getattr(a, name) for a in analyses]) * self.settings.weights[name]
            for name, stream in self._streams.items()
        ]
        return csr_matrix(hstack(blocks, format="csr"))

    def _scores(self, analysis: Analysis) -> np.ndarray:
        scores = self._intercept.copy()
        offset = 0
        for name, stream in self._streams.items():
            columns, values = stream.vector(getattr(analysis, name))
            if len(columns):
                scores += (values * self.settings.weights[name]) @ self._coef[columns + offset]
            offset += stream.width
        return scores

    def _chars_scores(self, analysis: Analysis) -> np.ndarray:
        columns, values = self._streams["chars"].vector(analysis.chars)
        return self._chars_intercept + values @ self._chars_coef[columns]

    def probabilities(self, analyses: Sequence[Analysis]) -> np.ndarray:
        """One row per message, one column per intent (in `self.intents` order): the two
        logistic regressions' softmaxes blended, computed here one message at a time."""
        full = _softmax(np.array([self._scores(a) for a in analyses]), len(self.intents))
        chars = _softmax(np.array([self._chars_scores(a) for a in analyses]), len(self.intents))
        share = self.settings.char_opinion
        return (1 - share) * full + share * chars

    def understand(self, text: str, *, today: date) -> Understanding:
        analysis = analyze(bounded(text))
        row = self.probabilities([analysis])[0]
        ranked = [(self.intents[i], float(row[i])) for i in np.argsort(-row)[:3]]
        intent, confidence, ranking = rules_apply(analysis, ranked)
        return Understanding(
            text=text,
            normalized=analysis.normalized,
            intent=intent,
            confidence=confidence,
            ranking=ranking,
            entities=entities_extract(text, today=today),
            anger=is_angry(text),
            concepts=tuple(c for c in analysis.concepts if "+" not in c),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)  # readers in other processes never see half a file

    @staticmethod
    def load(path: Path) -> IntentModel:
        """A model written by `save`; `ModelOutdated` if it is of another MODEL_VERSION."""
        model = pickle.loads(path.read_bytes())  # our own file under var/, written by save()
        if not isinstance(model, IntentModel) or getattr(model, "version", None) != MODEL_VERSION:
            raise ModelOutdated(path)
        warm_up()
        return model


def _scoring_arrays(classifier: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's weights feature-major (scoring a message gathers only the rows of
    its features) and its intercepts."""
    coef, intercept = classifier.coef_, classifier.intercept_
    if coef.shape[0] == 1:  # two intents: scikit-learn keeps one row; softmax([0, s]) = sigmoid
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.array([0.0, intercept[0]])
    return np.ascontiguousarray(coef.T), intercept


def _softmax(scores: np.ndarray, width: int) -> np.ndarray:
    scores = scores.reshape(-1, width)
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


class ModelOutdated(Exception):
    """A saved model from another version of the code: retrain it."""
