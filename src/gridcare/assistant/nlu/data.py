"""Reading labelled utterances: one JSON object per line, {"text": ..., "intent": ...}."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from gridcare.assistant.nlu.intents import INTENTS
from gridcare.assistant.nlu.types import Example

DATA_DIR = Path(__file__).parent / "data"
TRAIN_FILE = DATA_DIR / "train.jsonl"
HELDOUT_FILE = DATA_DIR / "heldout.jsonl"


class DataFileError(ValueError):
    """A line of a data file that is not a labelled utterance (`line` is 1-based)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"第 {line} 行：{reason}")
        self.line = line
        self.reason = reason


def examples_parse(lines: Iterable[str]) -> list[Example]:
    """Every labelled line; blank lines are skipped, anything else wrong raises
    `DataFileError` naming the line."""
    examples = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataFileError(number, f"不是合法的 JSON（{exc.msg}）") from None
        if not isinstance(item, dict):
            raise DataFileError(number, "每行须为一个 JSON 对象")
        text, intent = item.get("text"), item.get("intent")
        if not isinstance(text, str) or not text.strip():
            raise DataFileError(number, "缺少 text 或为空")
        if intent not in INTENTS:
            raise DataFileError(number, f"未知意图 {intent!r}")
        examples.append(Example(text=text, intent=intent, line=number))
    return examples


def examples_read(path: Path) -> list[Example]:
    with path.open(encoding="utf-8") as handle:
        return examples_parse(handle)
