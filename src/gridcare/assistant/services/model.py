"""The NLU model the dialogue uses: loaded once per process from
settings.ASSISTANT_MODEL_DIR, trained from the packaged data when that file is missing.

The file name carries the model version and a hash of the training data
(`intent-v2-3f9a…pkl`), so new data or a new feature set never loads an old model: the
first use after an upgrade trains (a few seconds) and saves. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import threading
from functools import cache
from pathlib import Path

from django.conf import settings

from gridcare.assistant.nlu.data import TRAIN_FILE, examples_read
from gridcare.assistant.nlu.model import MODEL_VERSION, IntentModel, ModelOutdated

_lock = threading.Lock()


def _data_hash() -> str:
    return hashlib.sha256(TRAIN_FILE.read_bytes()).hexdigest()[:12]


def model_path() -> Path:
    """Where the model for the packaged data and this code lives."""
    return Path(settings.ASSISTANT_MODEL_DIR) / f"intent-v{MODEL_VERSION}-{_data_hash()}.pkl"


def model_train(path: Path | None = None) -> IntentModel:
    """Train on the packaged training set and save the model (`gridcare assistant train`)."""
    model = IntentModel(examples_read(TRAIN_FILE))
    model.save(path or model_path())
    return model


@cache
def nlu_model() -> IntentModel:
    """The process's model: loaded, or trained on first use."""
    with _lock:
        path = model_path()
        if path.exists():
            try:
                return IntentModel.load(path)
            except (ModelOutdated, EOFError, ValueError, AttributeError, ImportError):
                pass  # unreadable or from other code: train again below
        return model_train(path)
