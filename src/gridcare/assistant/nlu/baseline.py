"""The plain baseline the assistant is measured against (bench/assistant): character
1–3-gram TF-IDF and logistic regression on the raw text, nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from gridcare.assistant.nlu.types import Example


def baseline_fit(examples: Sequence[Example]) -> Pipeline:
    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    pipeline.fit([e.text for e in examples], [e.intent for e in examples])
    return pipeline


def baseline_predict(model: Pipeline, texts: Sequence[str]) -> list[str]:
    return [str(label) for label in model.predict(list(texts))]
