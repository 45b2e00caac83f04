"""Intent benchmark (issue 27 targets): the assistant's model beside the plain baseline.

    .venv/bin/python -m bench.assistant.intents            # pinned to CPU 0
    .venv/bin/python -m bench.assistant.intents --cpu 1

Both models train on src/gridcare/assistant/nlu/data/train.jsonl and are scored on the
held-out set (nlu/data/heldout.jsonl, written apart) and the dev set
(bench/assistant/data/dev.jsonl, used for tuning): accuracy, macro-F1 and the gain over
the baseline. The process is pinned to one CPU (os.sched_setaffinity) before anything is
loaded, so training time and latency are one core's.

Latency is per message, over every held-out and dev text one at a time, with the model
saved and loaded again as the assistant loads it: "NLU" is
`IntentModel.understand` (normalisation, features, intent, entities, anger); "NLU +
retrieval" adds the knowledge base's answer lookup when nlu/retrieval.py and the FAQ seed
are present (`retrieval_step`, the hook for the knowledge-base work).

With --cv it adds 5-fold cross-validation on the training set, plain and grouped: in the
grouped folds, lines within rapidfuzz ratio 60 of each other (same intent) stay in one
fold, so a model is scored on phrasings unlike any it trained on.

Prints one rich table, then the same as markdown for bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import os
import platform
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rich.console import Console
from rich.table import Table
from sklearn.model_selection import GroupKFold, StratifiedKFold

from gridcare.assistant.nlu.baseline import baseline_fit, baseline_predict
from gridcare.assistant.nlu.data import HELDOUT_FILE, TRAIN_FILE, examples_read
from gridcare.assistant.nlu.evaluate import Evaluation, scores_compute
from gridcare.assistant.nlu.model import IntentModel
from gridcare.assistant.nlu.normalize import normalize
from gridcare.assistant.nlu.types import Example

REPO = Path(__file__).resolve().parents[2]
DEV_FILE = REPO / "bench" / "assistant" / "data" / "dev.jsonl"
FAQ_SEED = REPO / "src" / "gridcare" / "assistant" / "data" / "faq.toml"
TODAY = dt.date(2026, 12, 6)


def retrieval_step() -> Callable[[str], object] | None:
    """The knowledge-base lookup the dialogue makes after the NLU, or None before the
    knowledge base exists (nlu/retrieval.py: `KnowledgeIndex`, `entry_texts`)."""
    try:
        retrieval: Any = importlib.import_module("gridcare.assistant.nlu.retrieval")
    except ImportError:
        return None
    if not FAQ_SEED.exists():
        return None
    with FAQ_SEED.open("rb") as handle:
        entries = tomllib.load(handle)["entry"]
    index = retrieval.KnowledgeIndex(
        (e["code"], retrieval.entry_texts(e["question"], e.get("variants", []), e["answer"]))
        for e in entries
    )
    return lambda text: index.answer(text)


def _timed(step: Callable[[str], object], texts: Sequence[str]) -> list[float]:
    step(texts[0])  # first-call costs (jieba, caches) are not per message
    out = []
    for text in texts:
        started = time.perf_counter()
        step(text)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    return float(np.percentile(latencies, 50)), float(np.percentile(latencies, 95))


def _score_ours(model: IntentModel, examples: list[Example]) -> Evaluation:
    predicted = [model.understand(e.text, today=TODAY).intent for e in examples]
    return scores_compute(examples, predicted, [])


def _score_baseline(pipeline: Any, examples: list[Example]) -> Evaluation:
    return scores_compute(examples, baseline_predict(pipeline, [e.text for e in examples]), [])


def _paraphrase_groups(examples: list[Example]) -> np.ndarray:
    """A group id per line: lines of one intent within ratio 60 of each other, linked."""
    texts = [normalize(e.text) for e in examples]
    close = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=60)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*close.nonzero(), strict=True):
        if i < j and examples[i].intent == examples[j].intent:
            parent[root(i)] = root(j)
    return np.array([root(i) for i in range(len(texts))])


def _cross_validated(train: list[Example]) -> list[list[str]]:
    """Accuracy of both models over 5 folds, plain (stratified) and grouped."""
    intents = np.array([e.intent for e in train])
    splits = {
        "5-fold CV on train": StratifiedKFold(5, shuffle=True, random_state=0).split(
            intents, intents
        ),
        "5-fold CV, paraphrases grouped": GroupKFold(5).split(
            intents, intents, _paraphrase_groups(train)
        ),
    }
    rows = []
    for name, folds in splits.items():
        ours, base = [], []
        for fit_rows, test_rows in folds:
            fit, test = [train[i] for i in fit_rows], [train[i] for i in test_rows]
            ours.append(_score_ours(IntentModel(fit), test).accuracy)
            base.append(_score_baseline(baseline_fit(fit), test).accuracy)
        gain = (np.mean(ours) - np.mean(base)) * 100
        rows.append(
            [name, f"{np.mean(base):.2%}", f"{np.mean(ours):.2%}", f"{gain:+.2f} pt", "", "", ""]
        )
    return rows


def _machine(cpu: int) -> str:
    model = "unknown CPU"
    with Path("/proc/cpuinfo").open() as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, {model}, nproc {os.cpu_count()}, pinned to CPU {cpu}, "
        f"Python {platform.python_version()}"
    )


def run(cpu: int, *, cross_validate: bool) -> list[list[str]]:
    os.sched_setaffinity(0, {cpu})
    train = examples_read(TRAIN_FILE)
    sets = {"held-out": examples_read(HELDOUT_FILE), "dev": examples_read(DEV_FILE)}

    started = time.perf_counter()
    trained = IntentModel(train)
    ours_seconds = time.perf_counter() - started
    # Measure the model as the assistant runs it: saved, then loaded in a settled process.
    with tempfile.TemporaryDirectory() as folder:
        trained.save(Path(folder) / "model.pkl")
        del trained
        gc.collect()
        model = IntentModel.load(Path(folder) / "model.pkl")
    started = time.perf_counter()
    pipeline = baseline_fit(train)
    baseline_seconds = time.perf_counter() - started

    rows = []
    for name, examples in sets.items():
        ours, base = _score_ours(model, examples), _score_baseline(pipeline, examples)
        rows.append(
            [
                f"{name} (n={ours.n})",
                f"{base.accuracy:.2%}",
                f"{ours.accuracy:.2%}",
                f"{(ours.accuracy - base.accuracy) * 100:+.2f} pt",
                f"{base.macro_f1:.4f}",
                f"{ours.macro_f1:.4f}",
                f"{ours.macro_f1 - base.macro_f1:+.4f}",
            ]
        )

    if cross_validate:
        rows += _cross_validated(train)

    texts = [e.text for examples in sets.values() for e in examples]
    nlu_p50, nlu_p95 = _percentiles(_timed(lambda t: model.understand(t, today=TODAY), texts))
    base_p50, base_p95 = _percentiles(_timed(lambda t: baseline_predict(pipeline, [t]), texts))
    rows.append(["training (s)", f"{baseline_seconds:.1f}", f"{ours_seconds:.1f}", "", "", "", ""])
    rows.append(
        [
            "latency p50 / p95 (ms)",
            f"{base_p50:.2f} / {base_p95:.2f}",
            f"{nlu_p50:.2f} / {nlu_p95:.2f}",
            "",
            "",
            "",
            "",
        ]
    )
    retrieve = retrieval_step()
    if retrieve is None:
        rows.append(
            ["NLU + retrieval p50 / p95 (ms)", "", "retrieval not built yet", "", "", "", ""]
        )
    else:

        def both(text: str) -> None:
            model.understand(text, today=TODAY)
            retrieve(text)

        p50, p95 = _percentiles(_timed(both, texts))
        rows.append(
            ["NLU + retrieval p50 / p95 (ms)", "", f"{p50:.2f} / {p95:.2f}", "", "", "", ""]
        )
    return rows


HEADER = ["", "baseline acc", "ours acc", "gain", "baseline macro-F1", "ours macro-F1", "gain"]


def _markdown(rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "| --- | " + " | ".join("---:" for _ in HEADER[1:]) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=0, help="the one CPU to run on")
    parser.add_argument(
        "--cv", action="store_true", help="add cross-validation on train (a minute more)"
    )
    args = parser.parse_args()
    rows = run(args.cpu, cross_validate=args.cv)
    command = f"python -m bench.assistant.intents --cpu {args.cpu}{' --cv' if args.cv else ''}"
    console = Console(highlight=False)
    table = Table(title=f"{command} — {_machine(args.cpu)}", title_justify="left")
    for column in HEADER:
        table.add_column(column, justify="left" if not column else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"\n`{command}` — {_machine(args.cpu)}\n")
    console.print(_markdown(rows), markup=False)


if __name__ == "__main__":
    main()
