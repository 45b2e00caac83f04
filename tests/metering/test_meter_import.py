"""`gridcare meter import`: the one ingestion path from the CLI, with its reject report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gridcare.core.models import AuditLog
from gridcare.metering.engine import materialize, pending, profiles
from gridcare.metering.models import ImportBatch, TransformerDay
from gridcare.testing.personas import World

from .conftest import DAY_1, DAY_2, full_days, interval_end, long_csv


def test_import_stores_good_rows_and_reports_every_bad_one_with_its_line(
    world: World, tmp_path: Path
) -> None:
    rows = [
        *full_days("MA0001", [DAY_1], 0.25),
        ("MA0001", interval_end(DAY_2, 0), "-1"),  # line 98: negative energy
        ("NOPE01", interval_end(DAY_2, 0), "0.2"),  # line 99: unknown meter
        ("MB0001", "2026-11-21T00:07:00+08:00", "0.2"),  # line 100: off the 15-min grid
        ("MB0001", interval_end(DAY_2, 1), "abc"),  # line 101: unparseable
    ]
    source = long_csv(tmp_path / "readings.csv", rows)
    report = tmp_path / "rejected.csv"
    call_command("meter", "import", str(source), "--report", str(report))

    batch = ImportBatch.objects.get()
    assert batch.status == "succeeded"
    assert batch.report["accepted"] == 96
    assert batch.report["rejected"] == 4
    with report.open(encoding="utf-8") as handle:
        rejected = {int(r["line"]): r["code"] for r in csv.DictReader(handle)}
    assert rejected == {
        98: "metering.vee.negative_energy",
        99: "metering.vee.unknown_meter",
        100: "metering.vee.off_grid",
        101: "metering.vee.unparseable",
    }
    day = TransformerDay.objects.get(transformer=world.transformer_1, day=DAY_1)
    assert day.peak_kw == pytest.approx(1.0)  # 0.25 kWh per 15 min = 1 kW
    assert day.load_rate == pytest.approx(1.0 / (400 * 0.9))
    assert AuditLog.objects.filter(action="metering.readings.import").count() == 1


def test_reimporting_the_same_file_changes_nothing(world: World, tmp_path: Path) -> None:
    source = long_csv(tmp_path / "readings.csv", full_days("MA0001", [DAY_1, DAY_2], 0.5))
    call_command("meter", "import", str(source))
    call_command("meter", "import", str(source))
    first, second = ImportBatch.objects.order_by("started_at")
    assert first.report["inserted"] == 192
    assert second.report["inserted"] == 0
    assert second.report["unchanged"] == 192
    assert second.report["edited"] == 0
    assert TransformerDay.objects.filter(transformer=world.transformer_1).count() == 2


def test_next_day_import_adds_to_yesterday_s_profile_without_summing_the_month(
    world: World, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    """Day 2's first reading fills day 1's last interval: the command passes that addition
    on, and the month profile records it instead of summing the month again."""
    day_1 = [r for r in full_days("MA0001", [DAY_1], 0.5) if r[1] != interval_end(DAY_1, 95)]
    call_command("meter", "import", str(long_csv(tmp_path / "d1.csv", day_1)))
    day_2 = full_days("MA0001", [DAY_2], 0.5)
    call_command("meter", "import", str(long_csv(tmp_path / "d2.csv", day_2)))
    first, second = ImportBatch.objects.order_by("started_at")
    assert second.report["days"] == [DAY_1.isoformat(), DAY_2.isoformat()]
    assert second.report["added_only"] == second.report["days"]
    part = Path(settings.WAREHOUSE_ROOT) / "agg" / "meter_profile" / "month=2026-11-01"
    manifest = json.loads((part / "_days.json").read_text())
    assert set(manifest["added"][DAY_1.isoformat()]) == {str(first.pk), str(second.pk)}
    sums = profiles.read_profile(part / "data.parquet")
    row = sums.meter_ids.tolist().index("MA0001")
    assert sums.readings[row].tolist() == [2] * 96  # day 1's estimate at 24:00 counted once


def test_a_non_utf8_file_fails_with_the_line_and_stores_nothing(
    world: World, tmp_path: Path
) -> None:
    source = tmp_path / "gbk.csv"
    source.write_bytes(
        b"meter,ts,kwh\n"
        + f"MA0001,{interval_end(DAY_1, 0)},0.1\n".encode()
        + "MA0001,电表,0.1\n".encode("gbk")
    )
    with pytest.raises(CommandError, match="line 3"):
        call_command("meter", "import", str(source))
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert not TransformerDay.objects.exists()


def test_a_missing_file_is_refused_before_anything_runs(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"metering\.file\.not_found"):
        call_command("meter", "import", str(tmp_path / "nope.csv"))
    assert not ImportBatch.objects.exists()


def test_an_import_whose_refresh_crashed_is_caught_up_by_the_next_one(
    world: World, tmp_path: Path, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The refresh dies after the readings are stored: the next import, even one that
    changes nothing, refreshes those days (the import's mark in `pending/` says which)."""
    source = long_csv(tmp_path / "readings.csv", full_days("MA0001", [DAY_1, DAY_2], 0.5))
    real = materialize.refresh

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise MemoryError("killed")

    monkeypatch.setattr(materialize, "refresh", crash)
    with pytest.raises(MemoryError):
        call_command("meter", "import", str(source))
    assert not TransformerDay.objects.exists()
    marks = Path(settings.WAREHOUSE_ROOT) / pending.PENDING_DIR
    assert len(list(marks.glob("*.json"))) == 1

    monkeypatch.setattr(materialize, "refresh", real)
    call_command("meter", "import", str(source))
    assert ImportBatch.objects.order_by("started_at").last().report["inserted"] == 0
    assert TransformerDay.objects.filter(transformer=world.transformer_1).count() == 2
    assert list(marks.glob("*.json")) == []


def test_a_reading_no_meter_could_measure_is_rejected_not_stored(
    world: World, tmp_path: Path
) -> None:
    """The account's contracted capacity bounds its meter's readings: 1e12 kWh in 15
    minutes is refused (over_capacity) on a meter with no history at all."""
    rows = [
        ("MA0001", interval_end(DAY_1, 0), "0.25"),
        ("MA0001", interval_end(DAY_1, 1), "1e12"),  # line 3
    ]
    report = tmp_path / "rejected.csv"
    call_command(
        "meter", "import", str(long_csv(tmp_path / "r.csv", rows)), "--report", str(report)
    )
    batch = ImportBatch.objects.get()
    assert (batch.report["accepted"], batch.report["rejected"]) == (1, 1)
    with report.open(encoding="utf-8") as handle:
        assert [(r["line"], r["code"]) for r in csv.DictReader(handle)] == [
            ("3", "metering.vee.over_capacity")
        ]


def test_meter_recover_marks_a_dead_import_failed(world: World) -> None:
    dead = ImportBatch.objects.create(source="cli", files=["x.csv"])  # as a killed import leaves it
    call_command("meter", "recover")
    dead.refresh_from_db()
    assert dead.status == "failed"
    assert AuditLog.objects.filter(action="metering.imports.recover").count() == 1
