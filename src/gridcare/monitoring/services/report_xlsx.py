"""The monthly service report as an Excel workbook (openpyxl): a summary sheet (month, org
unit, when the facts were built, a linked list of the sections), then one sheet per
section with its tables and, beside each charted table, a native Excel chart drawn from
the table's own cells (so a reader who edits a figure sees the chart follow).

Cells hold numbers, not their printed text: a percentage is stored as a fraction with the
format 0.0% (82.5 % is 0.825), counts as #,##0, and so on, so Excel sums and sorts them.
"No data" is the text "—" and an uninstalled source says "not available", as in the PDF.

The same facts give the same bytes: the document's created/modified time is the month's
first day and every zip entry carries that time too (openpyxl would stamp "now").
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.child import INVALID_TITLE_REGEX
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from gridcare.monitoring.services.report_model import (
    Cell,
    Fmt,
    MonthlyReport,
    NotAvailable,
    Section,
    Table,
    display,
)

#: Excel's number format of each column format (PERCENT cells hold fractions).
NUMBER_FORMATS = {
    Fmt.COUNT: "#,##0",
    Fmt.PERCENT: "0.0%",
    Fmt.MINUTES: "0.0",
    Fmt.SCORE: "0.00",
    Fmt.YUAN: "#,##0.00",
    Fmt.INDEX: "0.0000",
}
#: The axis of a chart reads coarser than its cells.
AXIS_FORMATS = {Fmt.PERCENT: "0%", Fmt.COUNT: "#,##0", Fmt.YUAN: "#,##0"}
BRAND = "007060"
GREY = "6E6E6E"
HEADING_FILL = PatternFill("solid", fgColor="E2F0ED")
HEADING_RULE = Border(bottom=Side(style="thin", color=BRAND))
SHEET_NAME_LIMIT = 31
#: Column widths, in characters (a Chinese character counts two).
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 8, 44, 16
#: Chart size in cm; a row is about 0.53 cm high at the default height.
CHART_WIDTH, ROW_CM = 16.0, 0.53
#: Where the first table of a section starts (title, subtitle, blank).
FIRST_TABLE_ROW = 4


def xlsx_value(cell: Cell, fmt: Fmt) -> str | int | float:
    """A report cell as the workbook stores it: a number (a percentage as its fraction),
    or the text the PDF prints ("—" for no data, "not available")."""
    if cell is None or isinstance(cell, NotAvailable | str) or fmt is Fmt.TEXT:
        return display(cell, fmt)
    if fmt is Fmt.PERCENT:
        return cell / 100.0
    return cell


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_title(title: str, taken: set[str]) -> str:
    """`title` as a sheet name Excel accepts (no []:*?/\\, at most 31 characters), unique
    among `taken` (which it joins)."""
    base = INVALID_TITLE_REGEX.sub("-", title).strip("' ") or "-"
    name, number = base[:SHEET_NAME_LIMIT], 1
    while name.casefold() in {t.casefold() for t in taken}:
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
    taken.add(name)
    return name


def _put(ws: Worksheet, row: int, column: int, value: str | int | float | dt.datetime) -> None:
    target = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        # A text beginning with "=" (a name, a category) stays text, never a formula.
        target.data_type = "s"


def _styled(ws: Worksheet, row: int, text: str, *, size: float, color: str, bold: bool) -> None:
    _put(ws, row, 1, text)
    ws.cell(row=row, column=1).font = Font(size=size, color=color, bold=bold)


class _SheetWriter:
    """Lays out one section's tables down a sheet, each chart to the right of the tables,
    and remembers what each column needs to be wide enough."""

    def __init__(self, ws: Worksheet, section: Section, report: MonthlyReport) -> None:
        self.ws = ws
        self.section = section
        self.widths: dict[int, int] = {}
        self.chart_column = max(len(t.columns) for t in section.tables) + 2 if section.tables else 2
        _styled(ws, 1, section.title, size=14, color=BRAND, bold=True)
        _styled(ws, 2, f"{report.month_label} · {report.org_name}", size=9, color=GREY, bold=False)
        self.row = FIRST_TABLE_ROW

    def _measure(self, column: int, text: str, *, limit: int = MAX_WIDTH) -> None:
        self.widths[column] = max(self.widths.get(column, 0), min(_text_width(text), limit))

    def table(self, table: Table) -> int:
        """Write `table` from the current row; returns its header row (0: none written)."""
        ws = self.ws
        start = self.row
        if table.title != self.section.title:
            _styled(ws, self.row, table.title, size=11, color=BRAND, bold=True)
            self.row += 1
        if table.note:
            _styled(ws, self.row, table.note, size=9, color=GREY, bold=False)
            self.row += 1
        if not table.rows:
            _styled(ws, self.row, _("No data this month."), size=9, color=GREY, bold=False)
            self.row += 2
            return 0
        header = self.row
        for j, column in enumerate(table.columns, start=1):
            _put(ws, header, j, column.label)
            target = ws.cell(row=header, column=j)
            target.font = Font(bold=True)
            target.fill = HEADING_FILL
            target.border = HEADING_RULE
            target.alignment = Alignment(
                wrap_text=True,
                vertical="center",
                horizontal="left" if column.fmt is Fmt.TEXT else "right",
            )
            self._measure(j, column.label, limit=HEADER_WIDTH)
        for i, cells in enumerate(table.rows):
            for j, cell in enumerate(cells):
                fmt = table.fmt_at(i, j)
                target = ws.cell(row=header + 1 + i, column=j + 1)
                _put(ws, target.row, target.column, xlsx_value(cell, fmt))
                if fmt in NUMBER_FORMATS:
                    target.number_format = NUMBER_FORMATS[fmt]
                if table.columns[j].fmt is not Fmt.TEXT:
                    target.alignment = Alignment(horizontal="right")
                self._measure(j + 1, table.text_at(i, j))
        last = header + len(table.rows)
        self.row = last + 2
        self._chart(table, start, header, last)
        return header

    def _chart(self, table: Table, top: int, header: int, last: int) -> None:
        """A chart of `table` (its header at `header`, its last row `last`) beside it,
        from row `top`."""
        spec = table.chart
        numbers = [row[spec.value_column] for row in table.rows] if spec else []
        # As the PDF: no chart of nothing (every value missing or zero).
        if spec is None or not any(isinstance(v, int | float) and v > 0 for v in numbers):
            return
        values = Reference(self.ws, min_col=spec.value_column + 1, min_row=header, max_row=last)
        labels = Reference(self.ws, min_col=spec.label_column + 1, min_row=header + 1, max_row=last)
        fmt = table.columns[spec.value_column].fmt
        chart = _pie() if spec.kind == "pie" else _bar(fmt)
        chart.add_data(values, titles_from_data=True)
        # The labels are text: a string reference (openpyxl's set_categories writes a
        # numeric one).
        chart.series[0].cat = AxDataSource(strRef=StrRef(f=str(labels)))
        chart.title = spec.title
        rows = len(table.rows)
        chart.width = CHART_WIDTH
        chart.height = max(6.0, min(14.0, 2.5 + 0.7 * rows))
        self.ws.add_chart(chart, f"{get_column_letter(self.chart_column)}{top}")
        # The next table starts below the chart, so the two never overlap.
        self.row = max(self.row, top + math.ceil(chart.height / ROW_CM) + 2)

    def finish(self, headers: list[int]) -> None:
        ws = self.ws
        for column, width in self.widths.items():
            ws.column_dimensions[get_column_letter(column)].width = max(MIN_WIDTH, width + 2)
        # One table: its header row stays in view; several: the section's title does (a
        # frozen header of the first table would mislabel the second).
        single = len(self.section.tables) == 1 and headers and headers[0]
        ws.freeze_panes = f"A{headers[0] + 1}" if single else "A3"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True


def _bar(fmt: Fmt) -> BarChart:
    chart = BarChart()
    chart.type = "bar"  # horizontal bars, as the PDF draws them
    chart.style = 10
    chart.legend = None
    # Bars read top-down in the table's order (Excel would start at the bottom).
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.scaling.min = 0
    chart.y_axis.number_format = AXIS_FORMATS.get(fmt, NUMBER_FORMATS.get(fmt, "General"))
    # openpyxl 3.1 leaves <c:delete> out, and Excel then hides both axes.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.dataLabels = DataLabelList(showVal=True, numFmt=NUMBER_FORMATS.get(fmt))
    return chart


def _pie() -> PieChart:
    chart = PieChart()
    chart.dataLabels = DataLabelList(showPercent=True)
    return chart


def _summary(ws: Worksheet, report: MonthlyReport, sheets: list[tuple[str, str]]) -> None:
    _styled(ws, 1, report.title, size=16, color=BRAND, bold=True)
    built: str | dt.datetime = _("never")
    if report.facts_as_of is not None:
        # Excel has no time zones: the local time, as the PDF's cover prints it.
        built = timezone.localtime(report.facts_as_of).replace(tzinfo=None, microsecond=0)
    rows: list[tuple[str, str | dt.datetime]] = [
        (_("Month"), report.month_label),
        (_("Org unit"), report.org_name),
        (_("Facts built"), built),
    ]
    for i, (name, value) in enumerate(rows, start=3):
        _put(ws, i, 1, name)
        ws.cell(row=i, column=1).font = Font(bold=True)
        _put(ws, i, 2, value)
        ws.cell(row=i, column=2).alignment = Alignment(horizontal="left")
        if isinstance(value, dt.datetime):
            ws.cell(row=i, column=2).number_format = "yyyy-mm-dd hh:mm"
    note = _("— no data · personal data masked · figures from the daily monitoring facts")
    _styled(ws, 7, note, size=9, color=GREY, bold=False)
    _styled(ws, 9, _("Contents"), size=11, color=BRAND, bold=True)
    for i, (title, name) in enumerate(sheets, start=10):
        _put(ws, i, 1, title)
        link = ws.cell(row=i, column=1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(name)}!A1")
        link.font = Font(color="0563C1", underline="single")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 30


def _stamp(month: dt.date) -> dt.datetime:
    return dt.datetime(month.year, month.month, 1)


def _save(workbook: Workbook, stamp: dt.datetime) -> bytes:
    """The workbook's bytes, every zip entry dated `stamp` (openpyxl's own save stamps the
    document and each entry with the current time)."""
    workbook.properties.created = workbook.properties.modified = stamp
    written = BytesIO()
    ExcelWriter(workbook, ZipFile(written, "w", ZIP_DEFLATED)).save()
    out = BytesIO()
    with ZipFile(written) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = ZipInfo(entry.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = ZIP_DEFLATED
            fixed.external_attr = entry.external_attr
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()


def report_xlsx(report: MonthlyReport) -> bytes:
    """The report as the bytes of an .xlsx workbook."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    taken: set[str] = set()
    summary.title = sheet_title(_("Summary"), taken)
    sheets = []
    for section in report.sections:
        ws = workbook.create_sheet(sheet_title(section.title, taken))
        writer = _SheetWriter(ws, section, report)
        headers = [writer.table(table) for table in section.tables]
        writer.finish(headers)
        sheets.append((section.title, ws.title))
    _summary(summary, report, sheets)
    workbook.properties.creator = "GridCare"
    workbook.properties.title = report.title
    return _save(workbook, _stamp(report.month))


__all__ = ["NUMBER_FORMATS", "report_xlsx", "sheet_title", "xlsx_value"]
