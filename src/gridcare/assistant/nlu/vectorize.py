"""TF-IDF of token streams, small enough to score one message in microseconds.

scikit-learn's TfidfVectorizer validates its input on every call, which costs about a
millisecond per stream for a single message — most of the 10 ms budget per message
(bench/assistant). This is the same arithmetic (sublinear tf, smoothed idf, L2 norm),
used for both training and understanding, so there is one way a message becomes numbers.

>>> v = StreamVectorizer.fit([["电费", "多少"], ["交", "电费"]])
>>> sorted(v.vocabulary)
['交', '多少', '电费']
>>> indices, values = v.vector(["电费", "电费", "新词"])
>>> [int(i) for i in indices], [round(float(x), 3) for x in values]
([2], [1.0])
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix


@dataclass(frozen=True)
class StreamVectorizer:
    """`vocabulary`: token → column; `idf`: one weight per column."""

    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, documents: Sequence[Sequence[str]]) -> StreamVectorizer:
        document_frequency: Counter[str] = Counter()
        for tokens in documents:
            document_frequency.update(set(tokens))
        vocabulary = {token: column for column, token in enumerate(sorted(document_frequency))}
        n = len(documents)
        idf = np.array(
            [
                math.log((1 + n) / (1 + document_frequency[t])) + 1
                for t in sorted(document_frequency)
            ],
            dtype=np.float64,
        )
        return cls(vocabulary=vocabulary, idf=idf)

    @property
    def width(self) -> int:
        return len(self.vocabulary)

    def vector(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of one document: unknown tokens are dropped."""
        counts = Counter(t for t in tokens if t in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        columns = np.fromiter(
            (self.vocabulary[t] for t in counts), dtype=np.int64, count=len(counts)
        )
        tf = np.fromiter(
            (1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts)
        )
        values = tf * self.idf[columns]
        return columns, values / np.linalg.norm(values)

    def matrix(self, documents: Sequence[Sequence[str]]) -> csr_matrix:
        indptr, indices, data = [0], [], []
        for tokens in documents:
            columns, values = self.vector(tokens)
            indices.append(columns)
            data.append(values)
            indptr.append(indptr[-1] + len(columns))
        return csr_matrix(
            (
                np.concatenate(data or [np.zeros(0)]),
                np.concatenate(indices or [np.zeros(0, dtype=np.int64)]),
                indptr,
            ),
            shape=(len(documents), self.width),
        )
