"""Scoring a model on labelled utterances: accuracy, macro-F1, per-intent precision and
recall, the most confused pairs, and the time to understand each message.

Latency is measured per message around `understand` (normalisation, features,
classification, entities and anger: everything the dialogue waits for), after one warm-up
message so that loading jieba is not counted.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from gridcare.assistant.nlu.types import Example, Understanding


@dataclass(frozen=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    """`confusions`: (expected, predicted, count), most frequent first; `errors`: every
    (example, predicted) that was wrong; latencies in milliseconds."""

    n: int
    accuracy: float
    macro_f1: float
    p50_ms: float
    p95_ms: float
    per_intent: tuple[IntentScore, ...]
    confusions: tuple[tuple[str, str, int], ...]
    errors: tuple[tuple[Example, str], ...]

    def summary(self) -> dict[str, float | int]:
        """The figures `gridcare assistant eval --json` prints."""
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "n": self.n,
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
        }


def scores_compute(
    examples: Sequence[Example], predicted: Sequence[str], latencies_ms: Sequence[float]
) -> Evaluation:
    """The figures for `predicted` against the examples' intents."""
    expected = [e.intent for e in examples]
    labels = sorted(set(expected) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    confused = Counter((e, p) for e, p in zip(expected, predicted, strict=True) if e != p)
    timings = np.asarray(latencies_ms, dtype=float) if latencies_ms else np.zeros(1)
    return Evaluation(
        n=len(examples),
        accuracy=float(accuracy_score(expected, predicted)),
        macro_f1=float(
            f1_score(
                expected, predicted, labels=sorted(set(expected)), average="macro", zero_division=0
            )
        ),
        p50_ms=float(np.percentile(timings, 50)),
        p95_ms=float(np.percentile(timings, 95)),
        per_intent=tuple(
            IntentScore(label, float(p), float(r), float(f), int(s))
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        ),
        confusions=tuple((e, p, n) for (e, p), n in confused.most_common()),
        errors=tuple((x, p) for x, p in zip(examples, predicted, strict=True) if x.intent != p),
    )


class Understands(Protocol):
    def understand(self, text: str, *, today: date) -> Understanding: ...


def evaluation_run(model: Understands, examples: Sequence[Example], *, today: date) -> Evaluation:
    """Understand every example one at a time, timing each, and score the intents."""
    if examples:
        model.understand(examples[0].text, today=today)  # first-call costs are not per message
    predicted, latencies = [], []
    for example in examples:
        started = time.perf_counter()
        understanding = model.understand(example.text, today=today)
        latencies.append((time.perf_counter() - started) * 1000)
        predicted.append(understanding.intent)
    return scores_compute(examples, predicted, latencies)
