"""`gridcare assistant eval FILE.jsonl [--json]`: score the shipped model on a labelled file.

Prints accuracy, macro-F1, a per-intent precision/recall table, the most confused pairs
and the latency per message (p50/p95). With --json the last line is one JSON object with
the keys accuracy, macro_f1, n, p50_ms, p95_ms. A bad line is a CommandError naming it.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import CommandError
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from gridcare.assistant.nlu.data import DataFileError, examples_read
from gridcare.assistant.nlu.evaluate import Evaluation, evaluation_run
from gridcare.assistant.services.model import nlu_model

CONFUSIONS_SHOWN = 10


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("file", help='JSONL, one {"text": ..., "intent": ...} per line')
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")


def handle(options: dict[str, Any], out: Any) -> None:
    path = Path(options["file"])
    try:
        examples = examples_read(path)
    except FileNotFoundError:
        raise CommandError(f"找不到文件 {path}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} 不是 UTF-8 文本") from None
    except DataFileError as exc:
        raise CommandError(f"{path} {exc}") from exc
    if not examples:
        raise CommandError(f"{path} 没有任何标注语句")
    evaluation = evaluation_run(nlu_model(), examples, today=timezone.localdate())
    # rich writes partial lines; Django's OutputWrapper would end each with a newline.
    _report(Console(file=cast(IO[str], out._out), soft_wrap=True, highlight=False), evaluation)
    if options["json"]:
        out.write(json.dumps(evaluation.summary()))


def _report(console: Console, evaluation: Evaluation) -> None:
    table = Table(title="Per intent", title_justify="left")
    for column in ("intent", "precision", "recall", "F1", "n"):
        table.add_column(column, justify="left" if column == "intent" else "right")
    for score in evaluation.per_intent:
        table.add_row(
            score.intent,
            f"{score.precision:.3f}",
            f"{score.recall:.3f}",
            f"{score.f1:.3f}",
            str(score.support),
        )
    console.print(table)
    if evaluation.confusions:
        confused = Table(title="Most confused (expected → predicted)", title_justify="left")
        for column in ("expected", "predicted", "count"):
            confused.add_column(column, justify="right" if column == "count" else "left")
        for expected, predicted, count in evaluation.confusions[:CONFUSIONS_SHOWN]:
            confused.add_row(expected, predicted, str(count))
        console.print(confused)
    console.print(
        f"n={evaluation.n}  accuracy={evaluation.accuracy:.4f}  macro-F1={evaluation.macro_f1:.4f}  "
        f"latency p50={evaluation.p50_ms:.2f} ms  p95={evaluation.p95_ms:.2f} ms"
    )
