"""The report's files: the PDF opens and shows the month's figures and charts; both
writes are deterministic for the same facts.

The Excel file waits for openpyxl (not yet a dependency): report_monthly_write writes only
the formats in reports.WRITERS, which these tests read rather than assume.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from gridcare.monitoring.services.report_data import report_monthly_data
from gridcare.monitoring.services.report_pdf import report_pdf
from gridcare.monitoring.services.reports import WRITERS, report_monthly_write
from gridcare.testing.personas import World
from tests.monitoring.pdf_text import pdf_text
from tests.monitoring.report_support import MONTH, november_facts


def test_the_pdf_opens_and_shows_the_month_and_its_figures(world: World) -> None:
    november_facts(world)
    with translation.override("en"):
        content = report_pdf(report_monthly_data(month=MONTH, org_unit=None))
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    text = pdf_text(content)
    assert "Monthly service report 2026-11" in text
    lines = text.splitlines()
    # Contacts 100 this month, 50 the month before; complaint structure 50 % / 50 %.
    contacts = lines.index("Contacts")
    assert lines[contacts + 2 : contacts + 4] == ["100", "50"]
    assert "Supply quality  3  (50.0%)" in lines  # the pie's legend
    assert "85.7%" in lines  # SLA compliance, 12 of 14
    assert "12.50" in lines  # S1 complaints per 10,000 customers


def test_a_month_without_facts_still_makes_a_report_that_says_no_data(world: World) -> None:
    with translation.override("en"):
        content = report_pdf(report_monthly_data(month=MONTH, org_unit=world.station_2))
    text = pdf_text(content)
    assert "No data this month." in text
    assert "—" in text.splitlines()


def test_the_same_facts_write_the_same_bytes(world: World, tmp_path: Path) -> None:
    november_facts(world)
    first = report_monthly_write(month=MONTH, org_unit=None, out_dir=tmp_path / "a", actor=None)
    again = report_monthly_write(month=MONTH, org_unit=None, out_dir=tmp_path / "b", actor=None)
    assert [p.name for p in first] == [f"service-report-2026-11-ALL.{fmt}" for fmt in WRITERS]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]


def test_the_file_names_carry_the_org_code(world: World, tmp_path: Path) -> None:
    paths = report_monthly_write(
        month=MONTH, org_unit=world.station_1, out_dir=tmp_path, actor=None
    )
    assert paths[0] == tmp_path / "service-report-2026-11-S1.pdf"
    assert paths[0].read_bytes().startswith(b"%PDF-")
