"""Knowledge-base tests: the index is cached per process; each test starts from the
database it sees (a rolled-back test may leave a snapshot keyed like the next one's)."""

from __future__ import annotations

import pytest

from gridcare.assistant.selectors.kb import faq_snapshot_forget


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    faq_snapshot_forget()
