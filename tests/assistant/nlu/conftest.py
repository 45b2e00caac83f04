"""The model trained on the packaged training set, once per test session (a few seconds)."""

from __future__ import annotations

import pytest

from gridcare.assistant.nlu.data import TRAIN_FILE, examples_read
from gridcare.assistant.nlu.model import IntentModel


@pytest.fixture(scope="session")
def model() -> IntentModel:
    return IntentModel(examples_read(TRAIN_FILE))
