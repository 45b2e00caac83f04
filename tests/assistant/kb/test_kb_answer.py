"""What the dialogue gets from the knowledge base (`kb_answer`): the right entry cited by
its code, only active entries valid on the day, and a fresh index after every change."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from gridcare.assistant.models import FaqEntry
from gridcare.assistant.selectors.kb import faq_snapshot
from gridcare.assistant.services.kb import kb_answer
from gridcare.assistant.services.kb_edit import faq_deactivate, faq_update
from gridcare.testing.personas import World

from .factory import TODAY, draft, make_entry

QUESTION = "营业厅有没有充电宝可以借"


def ask(text: str, day: dt.date = TODAY, intent: str = "") -> str | None:
    found = kb_answer(text=text, today=day, channel="portal", intent=intent)
    return found.code if found else None


def test_a_seeded_question_is_answered_and_cites_its_entry(db: None) -> None:
    found = kb_answer(text="電費違約金怎麼計算", today=TODAY, channel="wechat")

    assert found is not None
    entry = FaqEntry.objects.get(code=found.code)
    assert found.code == "pay-late-fee-residential"
    assert (found.answer, found.question, found.source) == (
        entry.answer,
        entry.question,
        entry.source,
    )
    assert "千分之一" in found.answer
    assert found.category == "payment"
    assert found.score > 0


def test_nothing_answers_out_of_scope_or_empty_text(db: None) -> None:
    assert ask("今天天气怎么样") is None
    assert ask("") is None
    assert ask("   ") is None
    assert ask("🙂🙂") is None


def test_a_new_entry_is_answered_at_once_and_a_deactivated_one_never(world: World) -> None:
    manager = world.users["manager"]
    assert ask(QUESTION) is None
    entry = make_entry(manager)

    assert ask(QUESTION) == entry.code

    faq_deactivate(actor=manager, code=entry.code)
    assert ask(QUESTION) is None
    assert ask("营业厅能借充电宝吗") is None  # even its own variant


def test_an_entry_answers_only_between_its_validity_dates(world: World) -> None:
    make_entry(
        world.users["manager"], valid_from=dt.date(2026, 6, 1), valid_to=dt.date(2026, 8, 31)
    )

    assert ask(QUESTION, dt.date(2026, 5, 31)) is None
    assert ask(QUESTION, dt.date(2026, 6, 1)) == "service-power-bank"
    assert ask(QUESTION, dt.date(2026, 8, 31)) == "service-power-bank"
    assert ask(QUESTION, dt.date(2026, 9, 1)) is None


def test_an_expired_entry_makes_way_for_the_one_in_force(world: World) -> None:
    manager = world.users["manager"]
    make_entry(manager, code="power-bank-old", valid_to=dt.date(2025, 12, 31))
    make_entry(
        manager,
        code="power-bank-new",
        valid_from=dt.date(2026, 1, 1),
        answer="2026年起所有营业厅均提供免费充电宝。",
    )

    assert ask(QUESTION, dt.date(2025, 6, 1)) == "power-bank-old"
    assert ask(QUESTION, dt.date(2026, 6, 1)) == "power-bank-new"


def test_an_edited_answer_is_served_after_the_edit(world: World) -> None:
    manager = world.users["manager"]
    entry = make_entry(manager)
    before = kb_answer(text=QUESTION, today=TODAY, channel="portal")
    assert before is not None

    faq_update(
        actor=manager,
        code=entry.code,
        draft=draft(answer="所有营业厅均可免费借用充电宝。"),
        version=entry.version,
    )

    after = kb_answer(text=QUESTION, today=TODAY, channel="portal")
    assert after is not None
    assert after.answer == "所有营业厅均可免费借用充电宝。"


def test_the_intent_breaks_a_near_tie_toward_its_category(db: None) -> None:
    question = "电压只有190伏，空调都带不动"
    # Energy saving (air conditioners) and supply quality score within the margin…
    assert ask(question) is None
    # …the classifier's intent picks the outage entry; an intent of neither category
    # cannot, and a clear winner is never overruled.
    assert ask(question, intent="fault_report") == "outage-low-voltage"
    assert ask(question, intent="invoice") is None
    assert ask("违约金", intent="payment") is None  # both candidates are payment entries
    assert ask("怎么绑定户号", intent="payment") == "account-bind"


def test_the_index_is_built_once_and_rebuilt_after_any_write(db: None) -> None:
    first = faq_snapshot()
    assert faq_snapshot() is first  # nothing changed: the same index

    # A write by another process (no service call here to drop a cache): seen at once.
    FaqEntry.objects.filter(code="saving-fridge").update(
        active=False, version=F("version") + 1, updated_at=timezone.now()
    )
    second = faq_snapshot()
    assert second is not first
    assert "saving-fridge" in first.cards
    assert "saving-fridge" not in second.cards
    assert ask("冰箱怎么用更省电") is None
