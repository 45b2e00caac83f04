"""The report's files: the PDF opens and shows the month's figures and charts; the
workbook has the summary and one sheet per section, its cells hold report_data's figures
(numbers, percentages as fractions formatted 0.0%) and its charts draw from those cells;
both files are the same bytes for the same facts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from gridcare.monitoring.services.report_data import report_monthly_data
from gridcare.monitoring.services.report_model import (
    NOT_AVAILABLE,
    Chart,
    Column,
    Fmt,
    MonthlyReport,
    Section,
    Table,
)
from gridcare.monitoring.services.report_pdf import report_pdf
from gridcare.monitoring.services.report_xlsx import report_xlsx
from gridcare.monitoring.services.reports import report_monthly_write
from gridcare.testing.personas import World
from tests.monitoring.report_support import MONTH, november_facts, pdf_text, workbook


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
    assert "Contacts count 100 50" in lines
    assert "Supply quality  3  (50.0%)" in lines  # the pie's legend
    assert "SLA compliance % 85.7% —" in lines  # 12 of 14
    # S1: 5 complaints for 4,000 customers is 12.50 per 10,000.
    assert any(line.startswith("石牌供电所 90 0 5 12.50 ") for line in lines)


def test_a_month_without_facts_still_makes_a_report_that_says_no_data(world: World) -> None:
    with translation.override("en"):
        content = report_pdf(report_monthly_data(month=MONTH, org_unit=world.station_2))
    lines = pdf_text(content).splitlines()
    assert "No data this month." in lines
    assert "First-contact resolution % —" in lines


def _header_row(ws: Worksheet, table: Table, after: int) -> int:
    labels = [c.label for c in table.columns]
    for row in ws.iter_rows(min_row=after + 1):
        if [c.value for c in row[: len(labels)]] == labels:
            return row[0].row
    raise AssertionError(f"{table.key}: no header row")


def _expected(value: object, fmt: Fmt) -> object:
    if value is None:
        return "—"
    if value is NOT_AVAILABLE:
        return "not available"
    if fmt is Fmt.PERCENT and isinstance(value, int | float):
        return pytest.approx(value / 100.0)
    return value


def _cells(ws: Worksheet, ref: str) -> list[object]:
    min_col, min_row, max_col, max_row = range_boundaries(ref.split("!")[1].replace("$", ""))
    return [
        c.value
        for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)
        for c in row
    ]


def test_the_workbook_holds_every_table_and_its_figures(world: World) -> None:
    november_facts(world)
    with translation.override("en"):
        report = report_monthly_data(month=MONTH, org_unit=None)
        book = workbook(report_xlsx(report))
    assert book.sheetnames == ["Summary", *(s.title for s in report.sections)]
    assert book.properties.created == book.properties.modified == dt.datetime(2026, 11, 1)
    summary = book["Summary"]
    assert [summary.cell(row=r, column=2).value for r in (3, 4)] == ["2026-11", "Whole utility"]
    for section in report.sections:
        ws = book[section.title]
        assert ws["A1"].value == section.title
        row = 0
        for table in section.tables:
            if not table.rows:
                continue
            row = _header_row(ws, table, row)
            for i, cells in enumerate(table.rows):
                for j, value in enumerate(cells):
                    got = ws.cell(row=row + 1 + i, column=j + 1)
                    assert got.value == _expected(value, table.fmt_at(i, j)), (table.key, i, j)
                    if table.fmt_at(i, j) is Fmt.PERCENT and value is not None:
                        assert got.number_format == "0.0%"
            row += len(table.rows)


def test_the_workbooks_figures_are_the_hand_computed_ones(world: World) -> None:
    november_facts(world)
    with translation.override("en"):
        book = workbook(report_xlsx(report_monthly_data(month=MONTH, org_unit=None)))
    headline = book["Headline KPIs"]
    assert [c.value for c in headline[5]] == ["Contacts", "count", 100, 50]
    sla = next(r for r in headline.iter_rows() if r[0].value == "SLA compliance")
    assert sla[2].value == pytest.approx(12 / 14)
    assert sla[2].number_format == "0.0%"
    assert sla[3].value == "—"  # no SLA facts in October: no data, not 0
    units = book["Org units"]
    s1 = next(r for r in units.iter_rows() if r[0].value == "石牌供电所")
    assert (s1[1].value, s1[4].value, s1[4].number_format) == (90, 12.5, "0.00")


def test_each_charted_table_has_a_chart_drawn_from_its_cells(world: World) -> None:
    november_facts(world)
    with translation.override("en"):
        report = report_monthly_data(month=MONTH, org_unit=None)
        book = workbook(report_xlsx(report))
    charted = 0
    for section in report.sections:
        ws = book[section.title]
        tables = [t for t in section.tables if t.chart is not None and t.rows]
        assert len(ws._charts) == len(tables), section.key
        for table, chart in zip(tables, ws._charts, strict=True):
            spec = table.chart
            assert spec is not None
            assert type(chart).__name__ == ("PieChart" if spec.kind == "pie" else "BarChart")
            series = chart.series[0]
            values = _cells(ws, series.val.numRef.f)
            labels = _cells(ws, series.cat.strRef.f)
            fmt = table.columns[spec.value_column].fmt
            assert values == [_expected(r[spec.value_column], fmt) for r in table.rows]
            assert labels == [r[spec.label_column] for r in table.rows]
            assert _cells(ws, series.tx.strRef.f) == [table.columns[spec.value_column].label]
            charted += 1
    # Contacts, complaints ×2, SLA, repairs, CSAT ×2, handoffs, notify, payments, units.
    assert charted == 11


def test_the_same_facts_write_the_same_bytes(world: World, tmp_path: Path) -> None:
    november_facts(world)
    first = report_monthly_write(month=MONTH, org_unit=None, out_dir=tmp_path / "a", actor=None)
    again = report_monthly_write(month=MONTH, org_unit=None, out_dir=tmp_path / "b", actor=None)
    assert [p.name for p in first] == [
        "service-report-2026-11-ALL.pdf",
        "service-report-2026-11-ALL.xlsx",
    ]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]


def test_the_file_names_carry_the_org_code(world: World, tmp_path: Path) -> None:
    paths = report_monthly_write(
        month=MONTH, org_unit=world.station_1, out_dir=tmp_path, actor=None
    )
    assert paths == [
        tmp_path / "service-report-2026-11-S1.pdf",
        tmp_path / "service-report-2026-11-S1.xlsx",
    ]
    assert paths[0].read_bytes().startswith(b"%PDF-")
    assert workbook(paths[1].read_bytes()).worksheets[0]["B4"].value == world.station_1.name


def _report(*tables: Table, title: str = "Odd / section: [1]") -> MonthlyReport:
    return MonthlyReport(
        month=MONTH,
        org_code="X",
        org_name="X",
        title="t",
        facts_as_of=None,
        sections=[Section("a", title, list(tables)), Section("b", title, [])],
    )


def test_text_that_looks_like_a_formula_stays_text_and_odd_titles_make_valid_sheets() -> None:
    table = Table(
        "t",
        "T",
        [Column("Name"), Column("Share", Fmt.PERCENT), Column("Score", Fmt.SCORE)],
        rows=[['=HYPERLINK("http://x")', 50.0, NOT_AVAILABLE], ["+1", None, 1.5]],
        chart=Chart("bar", 1, "Shares"),
    )
    with translation.override("en"):
        book = workbook(report_xlsx(_report(table)))
    # Excel forbids []:*?/\ in sheet names and two sheets of one name.
    assert book.sheetnames == ["Summary", "Odd - section- -1-", "Odd - section- -1- (2)"]
    ws = book["Odd - section- -1-"]
    assert ws["A6"].value == '=HYPERLINK("http://x")'
    assert ws["A6"].data_type == "s"
    assert [ws["B6"].value, ws["B7"].value] == [0.5, "—"]
    assert [ws["C6"].value, ws["C7"].value] == ["not available", 1.5]
    assert ws.freeze_panes == "A6"  # below the only table's header
    assert len(ws._charts) == 1


def test_a_section_whose_source_is_missing_says_so_and_draws_no_chart() -> None:
    table = Table(
        "t",
        "Contacts by channel",
        [Column("Channel"), Column("Contacts", Fmt.COUNT)],
        chart=Chart("pie", 1, "Contacts"),
        note="not installed",
    )
    with translation.override("en"):
        book = workbook(report_xlsx(_report(table, title="Contacts")))
    ws = book["Contacts"]
    assert [ws["A4"].value, ws["A5"].value, ws["A6"].value] == [
        "Contacts by channel",
        "not installed",
        "No data this month.",
    ]
    assert ws._charts == []
