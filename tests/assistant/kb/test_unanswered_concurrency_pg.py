"""Two requests log the same new question at the same moment, each on its own database
connection: one row, counted twice. Both threads are held after their (empty) update
until both have made it, so both really try to insert: the loser of the insert race hits
the unique key and counts instead.

SQLite serialises writers for the whole database, so the race needs PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from django.db import connection

from gridcare.assistant.models import UnansweredQuestion
from gridcare.assistant.services import kb
from gridcare.assistant.services.kb import unanswered_log

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite locks the whole database per writer: no concurrent first insert",
    ),
]


def test_two_first_insertions_at_once_make_one_row_counted_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    both_updated = threading.Barrier(2)
    calls: list[bool] = []
    count_again = kb._count_again

    def held_count_again(key: str, now: datetime) -> bool:
        found = count_again(key, now)
        calls.append(found)
        if len(calls) <= 2:  # each thread's first update: wait for the other's
            both_updated.wait(timeout=10)
        return found

    monkeypatch.setattr(kb, "_count_again", held_count_again)
    errors: list[BaseException] = []

    def log() -> None:
        try:
            unanswered_log(text="同时提出的新问题", channel="portal")
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=log) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    # Two empty updates, two inserts of which one clashed and counted again.
    assert calls == [False, False, True]
    [question] = UnansweredQuestion.objects.all()
    assert question.count == 2
