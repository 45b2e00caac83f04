"""`gridcare assistant train | eval …`: the assistant's language model from the command
line. Each subcommand lives in gridcare.assistant.cli.<name>."""

from __future__ import annotations

from gridcare.core.subcommands import SubcommandCommand

SUBCOMMANDS = {
    "train": "Train the intent model on the packaged utterances and save it",
    "eval": "Score the model on a labelled JSONL file (accuracy, macro-F1, confusions, latency)",
}


class Command(SubcommandCommand):
    help = "Assistant: train and evaluate the intent model."
    package = "gridcare.assistant.cli"
    subcommands = SUBCOMMANDS
