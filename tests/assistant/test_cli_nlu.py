"""`gridcare assistant train` and `gridcare assistant eval FILE.jsonl [--json]`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridcare.assistant.services.model import model_path, nlu_model

SAMPLE = [
    {"text": "上个月电费多少钱", "intent": "bill_query"},
    {"text": "整个小区都停电了，啥时候来电", "intent": "outage_query"},
    {"text": "帮我转人工", "intent": "human_agent"},
    {"text": "电费发票怎么开", "intent": "invoice"},
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One directory for the module, so the model is trained once and then loaded.
    return tmp_path_factory.mktemp("assistant-model")


@pytest.fixture(autouse=True)
def _model_in(model_dir: Path, settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.ASSISTANT_MODEL_DIR = model_dir
    nlu_model.cache_clear()
    yield
    nlu_model.cache_clear()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_saves_the_model_where_the_assistant_loads_it() -> None:
    out = StringIO()
    call_command("assistant", "train", stdout=out)
    path = model_path()
    assert path.exists()
    assert str(path) in out.getvalue()
    assert "秒" in out.getvalue()
    assert nlu_model().understand("电费多少", today=date(2026, 12, 6)).intent == "bill_query"


def test_train_if_missing_keeps_a_saved_model() -> None:
    call_command("assistant", "train", stdout=StringIO())
    saved = model_path().stat().st_mtime_ns
    out = StringIO()
    call_command("assistant", "train", "--if-missing", stdout=out)
    assert model_path().stat().st_mtime_ns == saved
    assert "未重新训练" in out.getvalue()


def test_first_use_trains_when_there_is_no_model(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ASSISTANT_MODEL_DIR = tmp_path / "empty"
    assert not model_path().exists()
    nlu_model()
    assert model_path().exists()


def test_eval_prints_the_figures_and_ends_with_one_json_line(tmp_path: Path) -> None:
    file = write_lines(
        tmp_path / "sample.jsonl", [json.dumps(x, ensure_ascii=False) for x in SAMPLE]
    )
    out = StringIO()
    call_command("assistant", "eval", str(file), "--json", stdout=out)
    text = out.getvalue()
    assert "precision" in text
    assert "recall" in text
    assert "p95" in text
    summary = json.loads(text.strip().splitlines()[-1])
    assert set(summary) == {"accuracy", "macro_f1", "n", "p50_ms", "p95_ms"}
    assert summary["n"] == len(SAMPLE)
    assert summary["accuracy"] == 1.0
    assert 0 < summary["p50_ms"] <= summary["p95_ms"]


def test_eval_lists_the_confused_pairs(tmp_path: Path) -> None:
    wrong = [*SAMPLE, {"text": "上个月电费多少钱啊", "intent": "praise"}]
    file = write_lines(tmp_path / "wrong.jsonl", [json.dumps(x, ensure_ascii=False) for x in wrong])
    out = StringIO()
    call_command("assistant", "eval", str(file), stdout=out)
    assert "Most confused" in out.getvalue()
    assert "praise" in out.getvalue()
    assert "bill_query" in out.getvalue()
    assert not out.getvalue().strip().splitlines()[-1].startswith("{")


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"text": "电费", "intent": ', "不是合法的 JSON"),
        ('{"text": "电费", "intent": "weather"}', "未知意图"),
        ('{"text": "", "intent": "bill_query"}', "缺少 text"),
        ('["电费", "bill_query"]', "JSON 对象"),
    ],
)
def test_a_bad_line_is_named_by_its_number(tmp_path: Path, bad_line: str, reason: str) -> None:
    good = json.dumps(SAMPLE[0], ensure_ascii=False)
    file = write_lines(tmp_path / "bad.jsonl", [good, good, bad_line, good])
    with pytest.raises(CommandError, match=f"第 3 行.*{reason}"):
        call_command("assistant", "eval", str(file))


def test_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("assistant", "eval", str(tmp_path / "nope.jsonl"))
