"""`gridcare report monthly`: prints the paths it wrote, refuses bad months and unknown
org units with a Chinese reason, and audits each file as the system's export."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gridcare.core.models import AuditLog
from gridcare.testing.personas import World
from tests.monitoring.report_support import november_facts, workbook

FORMATS = ["pdf", "xlsx"]


def run(*args: str) -> str:
    out = StringIO()
    call_command("report", "monthly", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_paths_and_audits_each_file(world: World, tmp_path: Path) -> None:
    november_facts(world)
    printed = run("--month", "2026-11", "--org", "S1", "--out", str(tmp_path))
    pdf, xlsx = (tmp_path / f"service-report-2026-11-S1.{fmt}" for fmt in FORMATS)
    assert printed.splitlines() == [str(pdf), str(xlsx)]
    assert sorted(tmp_path.iterdir()) == [pdf, xlsx]
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert workbook(xlsx.read_bytes()).worksheets[0]["B3"].value == "2026-11"
    entries = AuditLog.objects.filter(action="monitoring.report.export").order_by("pk")
    assert [e.data for e in entries] == [
        {"month": "2026-11", "org": "S1", "format": fmt, "who": "system"} for fmt in FORMATS
    ]
    assert all(e.actor is None and e.actor_label == "system" for e in entries)
    assert entries[0].object_id == str(world.station_1.pk)


def test_without_org_the_report_covers_the_whole_utility(
    world: World, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MONITORING_REPORT_DIR = tmp_path
    printed = run("--month", "2026-11")
    for fmt in FORMATS:
        assert str(tmp_path / f"service-report-2026-11-ALL.{fmt}") in printed.splitlines()
        entry = AuditLog.objects.get(action="monitoring.report.export", data__format=fmt)
        assert entry.data["org"] == ""


def _next_month() -> str:
    today = timezone.localdate()
    following = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    return following.strftime("%Y-%m")


@pytest.mark.parametrize(
    ("month", "code", "reason"),
    [
        ("2026-13", "monitoring.report.bad_month", "YYYY-MM"),
        ("2026/11", "monitoring.report.bad_month", "YYYY-MM"),
        ("", "monitoring.report.bad_month", "YYYY-MM"),
        ("1999-12", "monitoring.report.month_too_early", "2000-01"),
        (None, "monitoring.report.future_month", "未来月份"),
    ],
)
def test_a_bad_month_is_refused_and_nothing_is_written(
    world: World, tmp_path: Path, month: str | None, code: str, reason: str
) -> None:
    with pytest.raises(CommandError) as refused:
        run("--month", month if month is not None else _next_month(), "--out", str(tmp_path))
    assert code in str(refused.value)
    assert reason in str(refused.value)
    assert list(tmp_path.iterdir()) == []
    assert not AuditLog.objects.filter(action="monitoring.report.export").exists()


def test_an_unknown_org_unit_is_refused(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"monitoring\.report\.org_not_found.*单位不存在"):
        run("--month", "2026-11", "--org", "NOPE", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
