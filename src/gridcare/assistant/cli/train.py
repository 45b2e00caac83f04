"""`gridcare assistant train`: train the intent model on the packaged data and save it
where the assistant loads it (settings.ASSISTANT_MODEL_DIR)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import IO, Any, cast

from rich.console import Console

from gridcare.assistant.services.model import model_path, model_train


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when a model for this code and data is already saved (make install)",
    )


def handle(options: dict[str, Any], out: Any) -> None:
    console = Console(file=cast(IO[str], out._out), soft_wrap=True, highlight=False)
    path = model_path()
    if options["if_missing"] and path.exists():
        out.write(f"模型已是最新，未重新训练：{path}")
        return
    started = time.perf_counter()
    with console.status("正在训练意图模型…"):
        model = model_train(path)
    seconds = time.perf_counter() - started
    out.write(f"模型已训练（{len(model.intents)} 个意图，{seconds:.1f} 秒），保存到 {path}")
