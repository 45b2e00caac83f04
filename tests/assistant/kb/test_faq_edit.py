"""Editing entries: the rules an editor meets (each refusal a dotted code and a Chinese
message naming the field), the version bump and compare-and-set, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from gridcare.assistant.models import FaqEntry
from gridcare.assistant.services.kb_edit import faq_create, faq_deactivate, faq_update
from gridcare.core.errors import ConcurrentChange, Conflict, DomainError, NotFound
from gridcare.core.models import AuditLog
from gridcare.testing.personas import World

from .factory import draft, make_entry


def test_creating_records_who_and_starts_at_version_1(world: World) -> None:
    manager = world.users["manager"]
    entry = make_entry(manager, variants=["  营业厅能借充电宝吗 ", "", "营业厅能借充电宝吗"])

    assert (entry.version, entry.updated_by, entry.active) == (1, manager, True)
    assert entry.variants == ["营业厅能借充电宝吗"]  # stripped, blanks and repeats dropped
    log = AuditLog.objects.get(action="assistant.faq.create")
    assert (log.actor, log.object_id, log.data) == (manager, str(entry.pk), {"code": entry.code})


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"question": "   "}, "assistant.faq.question_required", "question"),
        ({"answer": "\n "}, "assistant.faq.answer_required", "answer"),
        ({"question": "问" * 201}, "assistant.faq.question_too_long", "question"),
        ({"answer": "答" * 2001}, "assistant.faq.answer_too_long", "answer"),
        (
            {"variants": [f"问法{i}" for i in range(31)]},
            "assistant.faq.too_many_variants",
            "variants",
        ),
        ({"variants": ["长" * 201]}, "assistant.faq.variant_too_long", "variants"),
        ({"category": "weather"}, "assistant.faq.bad_category", "category"),
        ({"source": "源" * 201}, "assistant.faq.source_too_long", "source"),
        (
            {"valid_from": dt.date(2026, 9, 1), "valid_to": dt.date(2026, 8, 31)},
            "assistant.faq.bad_validity",
            "valid_to",
        ),
    ],
)
def test_a_bad_draft_is_refused_naming_the_field(
    world: World, overrides: dict[str, object], code: str, field: str
) -> None:
    before = FaqEntry.objects.count()
    with pytest.raises(DomainError) as raised:
        make_entry(world.users["manager"], **overrides)
    assert (raised.value.code, raised.value.field, raised.value.status) == (code, field, 400)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in raised.value.message)
    assert FaqEntry.objects.count() == before
    assert not AuditLog.objects.filter(action="assistant.faq.create").exists()


@pytest.mark.parametrize("code", ["", "Has Caps", "with space", "-lead", "x" * 65, "下划线"])
def test_a_bad_code_is_refused(world: World, code: str) -> None:
    with pytest.raises(DomainError) as raised:
        faq_create(actor=world.users["manager"], code=code, draft=draft())
    assert raised.value.code == "assistant.faq.bad_code"


def test_a_code_in_use_is_a_conflict(world: World) -> None:
    with pytest.raises(Conflict) as raised:
        faq_create(actor=world.users["manager"], code="pay-channels", draft=draft())
    assert (raised.value.code, raised.value.status) == ("assistant.faq.duplicate_code", 409)


def test_one_day_validity_is_allowed(world: World) -> None:
    day = dt.date(2026, 10, 1)
    entry = make_entry(world.users["manager"], valid_from=day, valid_to=day)
    assert (entry.valid_from, entry.valid_to) == (day, day)


def test_updating_bumps_the_version_and_audits_the_changed_fields(world: World) -> None:
    manager = world.users["manager"]
    entry = make_entry(manager)

    updated = faq_update(
        actor=world.users["admin"],
        code=entry.code,
        draft=draft(answer="所有营业厅都能借。"),
        version=1,
    )

    assert (updated.version, updated.answer, updated.updated_by) == (
        2,
        "所有营业厅都能借。",
        world.users["admin"],
    )
    assert updated.updated_at > entry.updated_at
    log = AuditLog.objects.get(action="assistant.faq.update")
    assert log.data == {"code": entry.code, "version": 2, "changed": ["answer"]}


def test_a_stale_version_is_refused_and_nothing_changes(world: World) -> None:
    manager = world.users["manager"]
    entry = make_entry(manager)
    faq_update(actor=manager, code=entry.code, draft=draft(answer="第一次修改。"), version=1)

    with pytest.raises(ConcurrentChange) as raised:
        faq_update(actor=manager, code=entry.code, draft=draft(answer="过期的修改。"), version=1)

    assert (raised.value.code, raised.value.status) == ("assistant.faq.changed", 409)
    assert FaqEntry.objects.get(code=entry.code).answer == "第一次修改。"


def test_updating_an_unknown_code_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        faq_update(actor=world.users["manager"], code="nope", draft=draft(), version=1)


def test_deactivating_is_audited_once(world: World) -> None:
    manager = world.users["manager"]
    faq_deactivate(actor=manager, code="saving-fridge")
    again = faq_deactivate(actor=manager, code="saving-fridge")

    assert not again.active
    assert again.updated_by == manager
    assert AuditLog.objects.filter(action="assistant.faq.deactivate").count() == 1
