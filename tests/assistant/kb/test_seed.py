"""The seed file (assistant/data/faq.toml): valid, at least 150 entries, loaded after
migrate, and synced idempotently by code — untouched entries follow the file, entries
staff edited are kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gridcare.assistant.choices import FaqCategory
from gridcare.assistant.models import FaqEntry
from gridcare.assistant.services.kb_edit import faq_update
from gridcare.assistant.services.kb_seed import (
    SEED_FILE,
    SeedFileError,
    faq_seed_read,
    faq_seed_sync,
)
from gridcare.testing.personas import World

from .factory import draft


def rows() -> list[tuple[object, ...]]:
    return list(
        FaqEntry.objects.order_by("code").values_list(
            "code", "category", "question", "variants", "answer", "version", "updated_at"
        )
    )


def test_the_seed_has_at_least_150_valid_entries_in_every_category() -> None:
    entries = faq_seed_read()
    assert len(entries) >= 150
    assert {e["category"] for e in entries} == set(FaqCategory.values)
    assert all(len(e["variants"]) >= 3 for e in entries)
    assert all(e["source"] for e in entries)


def test_migrate_loaded_the_seed(db: None) -> None:
    assert FaqEntry.objects.filter(active=True).count() == len(faq_seed_read())
    assert not FaqEntry.objects.filter(updated_by__isnull=False).exists()


def test_syncing_twice_changes_nothing(db: None) -> None:
    before = rows()
    first = faq_seed_sync()
    second = faq_seed_sync()

    assert (first.created, first.updated) == (0, 0)  # migrate loaded it already
    assert (second.created, second.updated, second.kept) == (0, 0, 0)
    assert second.unchanged == len(before) >= 150
    assert rows() == before


def test_an_empty_table_is_filled_and_a_second_run_adds_nothing(db: None) -> None:
    FaqEntry.objects.all().delete()
    first = faq_seed_sync()
    after_first = rows()
    second = faq_seed_sync()

    assert first.created == len(after_first) >= 150
    assert second.created == second.updated == 0
    assert rows() == after_first


def _edited_copy(tmp_path: Path, code: str, old: str, new: str) -> Path:
    text = SEED_FILE.read_text(encoding="utf-8")
    start = text.index(f'code = "{code}"')
    end = text.index("[[entry]]", start)
    block = text[start:end]
    assert old in block
    path = tmp_path / "faq.toml"
    path.write_text(text[:start] + block.replace(old, new) + text[end:], encoding="utf-8")
    return path


def test_a_changed_seed_entry_updates_an_untouched_row_with_a_new_version(
    db: None, tmp_path: Path
) -> None:
    path = _edited_copy(tmp_path, "tariff-tou-periods", "0:00–8:00", "23:00–7:00")
    before = FaqEntry.objects.get(code="tariff-tou-periods")

    result = faq_seed_sync(path)

    after = FaqEntry.objects.get(code="tariff-tou-periods")
    assert (result.updated, result.created) == (1, 0)
    assert "23:00–7:00" in after.answer
    assert after.version == before.version + 1
    assert after.updated_at > before.updated_at
    assert faq_seed_sync(path).updated == 0


def test_an_entry_staff_edited_is_kept_when_the_seed_changes(world: World, tmp_path: Path) -> None:
    entry = FaqEntry.objects.get(code="tariff-tou-periods")
    faq_update(
        actor=world.users["manager"],
        code=entry.code,
        draft=draft(
            category="tariff", question=entry.question, answer="本地峰谷时段见营业厅公示。"
        ),
        version=entry.version,
    )
    path = _edited_copy(tmp_path, "tariff-tou-periods", "0:00–8:00", "23:00–7:00")

    result = faq_seed_sync(path)

    assert result.kept == 1
    assert result.updated == 0
    assert FaqEntry.objects.get(code=entry.code).answer == "本地峰谷时段见营业厅公示。"


def test_a_deleted_seed_entry_comes_back_but_a_deactivated_one_stays_off(
    world: World,
) -> None:
    from gridcare.assistant.services.kb_edit import faq_deactivate

    FaqEntry.objects.filter(code="saving-fridge").delete()
    faq_deactivate(actor=world.users["admin"], code="saving-lighting")

    result = faq_seed_sync()

    assert result.created == 1
    assert FaqEntry.objects.get(code="saving-fridge").active
    assert not FaqEntry.objects.get(code="saving-lighting").active


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('code = "Bad Code"\ncategory = "tariff"', "code must be a lower-case slug"),
        ('code = "x-1"\ncategory = "weather"', "assistant.faq.bad_category"),
        ('code = "x-1"\ncategory = "tariff"\nanswer = ""', "assistant.faq.answer_required"),
        ('code = "x-1"\ncategory = "tariff"\nvalid_to = "soon"', "must be a TOML date"),
        ('code = "x-1"\ncategory = "tariff"\ncolour = "red"', "unknown keys"),
    ],
)
def test_a_bad_seed_entry_is_reported_by_name(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "faq.toml"
    defaults = {
        "question": '"问题"',
        "variants": '["一", "二", "三"]',
        "answer": '"答案"',
        "source": '"来源"',
    }
    lines = [f"{key} = {value}" for key, value in defaults.items() if f"{key} =" not in entry]
    path.write_text("[[entry]]\n" + entry + "\n" + "\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(SeedFileError, match=message):
        faq_seed_read(path)


def test_a_code_used_twice_is_refused(tmp_path: Path) -> None:
    entry = '[[entry]]\ncode = "a-1"\ncategory = "tariff"\nquestion = "问"\nvariants = ["一", "二", "三"]\nanswer = "答"\n'
    path = tmp_path / "faq.toml"
    path.write_text(entry * 2, encoding="utf-8")
    with pytest.raises(SeedFileError, match="used twice"):
        faq_seed_read(path)


def test_validity_dates_of_the_seed_reach_the_rows(db: None) -> None:
    entry = FaqEntry.objects.get(code="tariff-residential-tou")
    assert entry.valid_from == dt.date(2021, 10, 1)
    assert entry.valid_to is None
