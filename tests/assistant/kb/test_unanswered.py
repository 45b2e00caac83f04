"""The editors' list of questions the assistant could not answer: counted per wording,
personal numbers masked, junk not logged; answered with an entry (its wording becomes a
variant, so the bot answers it next time) or dismissed."""

from __future__ import annotations

import pytest

from gridcare.assistant.models import FaqEntry, UnansweredQuestion
from gridcare.assistant.services.kb import kb_answer, unanswered_log
from gridcare.assistant.services.kb_edit import unanswered_dismiss, unanswered_resolve
from gridcare.core.errors import ConcurrentChange, NotFound
from gridcare.core.models import AuditLog
from gridcare.testing.personas import World

from .factory import TODAY


def test_the_same_question_counts_up_whatever_its_spelling(db: None) -> None:
    unanswered_log(text="燃气费在哪里交？", channel="wechat")
    unanswered_log(text="燃氣費 在哪裡交", channel="portal")
    unanswered_log(text="燃气费在哪里交!!", channel="portal")

    [question] = UnansweredQuestion.objects.all()
    assert question.count == 3
    assert question.text == "燃气费在哪里交？"  # the first wording, as typed
    assert question.channel == "wechat"
    assert question.status == "open"
    assert question.last_at >= question.first_at


def test_different_questions_are_separate_rows(db: None) -> None:
    unanswered_log(text="燃气费在哪里交", channel="portal")
    unanswered_log(text="水费在哪里交", channel="portal")
    assert UnansweredQuestion.objects.count() == 2


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "？？！！", "…"])
def test_text_without_letters_or_characters_is_not_logged(db: None, text: str) -> None:
    unanswered_log(text=text, channel="portal")
    assert not UnansweredQuestion.objects.exists()


def test_personal_numbers_are_masked_before_they_are_stored(db: None) -> None:
    unanswered_log(
        text="我手机13812345678，身份证44010619900101123X，户号3100000000001怎么没电",
        channel="portal",
    )
    [question] = UnansweredQuestion.objects.all()
    assert "13812345678" not in question.text
    assert "44010619900101123X" not in question.text
    assert "3100000000001" not in question.text
    assert "138****5678" in question.text
    assert "4401**********123X" in question.text


def test_long_text_and_markup_are_stored_capped_and_as_text(db: None) -> None:
    unanswered_log(text="<script>alert(1)</script>" + "啊" * 10_000, channel="x" * 40)
    [question] = UnansweredQuestion.objects.all()
    assert len(question.text) == 500
    assert question.text.startswith("<script>")
    assert len(question.key) <= 200
    assert len(question.channel) == 16


def test_logging_inside_a_callers_transaction_keeps_it_usable(db: None) -> None:
    from django.db import transaction

    with transaction.atomic():
        unanswered_log(text="小区门禁卡丢了", channel="portal")
        unanswered_log(text="小区门禁卡丢了", channel="portal")
        assert UnansweredQuestion.objects.get().count == 2


def test_answering_a_question_adds_its_wording_to_the_entry(world: World) -> None:
    manager = world.users["manager"]
    unanswered_log(text="交了电费但电表屏幕还显示欠费", channel="portal")
    question = UnansweredQuestion.objects.get()
    entry_before = FaqEntry.objects.get(code="pay-failed")

    entry = unanswered_resolve(actor=manager, question_id=question.pk, entry_code="pay-failed")

    assert "交了电费但电表屏幕还显示欠费" in entry.variants
    assert entry.version == entry_before.version + 1
    assert entry.updated_by == manager
    question.refresh_from_db()
    assert (question.status, question.entry) == ("answered", entry)
    found = kb_answer(text="交了电费但电表屏幕还显示欠费", today=TODAY, channel="portal")
    assert found is not None
    assert found.code == "pay-failed"
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"assistant.faq.update", "assistant.unanswered.resolve"} <= actions


def test_a_question_already_among_the_variants_is_linked_without_a_change(
    world: World,
) -> None:
    entry = FaqEntry.objects.get(code="pay-failed")
    unanswered_log(text=entry.variants[0], channel="portal")
    question = UnansweredQuestion.objects.get()

    resolved = unanswered_resolve(
        actor=world.users["admin"], question_id=question.pk, entry_code="pay-failed"
    )

    assert resolved.version == entry.version
    assert resolved.variants == entry.variants


def test_dismissing_closes_it_and_it_stays_closed_when_asked_again(world: World) -> None:
    unanswered_log(text="给我讲个笑话", channel="portal")
    question = UnansweredQuestion.objects.get()

    unanswered_dismiss(actor=world.users["manager"], question_id=question.pk)
    unanswered_log(text="给我讲个笑话", channel="portal")

    question.refresh_from_db()
    assert (question.status, question.count) == ("dismissed", 2)
    assert AuditLog.objects.filter(action="assistant.unanswered.dismiss").count() == 1
    with pytest.raises(ConcurrentChange) as raised:
        unanswered_dismiss(actor=world.users["manager"], question_id=question.pk)
    assert raised.value.code == "assistant.unanswered.closed"


def test_resolving_with_an_unknown_entry_or_question_changes_nothing(world: World) -> None:
    unanswered_log(text="小区门禁卡丢了", channel="portal")
    question = UnansweredQuestion.objects.get()
    with pytest.raises(NotFound):
        unanswered_resolve(actor=world.users["manager"], question_id=question.pk, entry_code="nope")
    with pytest.raises(NotFound):
        unanswered_dismiss(actor=world.users["manager"], question_id=question.pk + 99)
    question.refresh_from_db()
    assert question.status == "open"
