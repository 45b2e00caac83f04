"""The monthly service report as a PDF: a cover line, then each section's tables with their
charts (report_charts.py), in the active language.

Fonts as the bill's PDF (billing/pdf.py): DejaVu Sans for Latin letters and digits, Droid
Sans Fallback for Chinese, both embedded as subsets. The document's creation date is the
facts' build time (or the month), so the same facts give the same bytes.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import TableCellFillMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from gridcare.billing.pdf import CJK_FONT, LATIN_BOLD, LATIN_FONT, FontMissing
from gridcare.monitoring.services import report_charts
from gridcare.monitoring.services.report_model import Fmt, MonthlyReport, Table

BRAND = (0, 112, 96)
GREY = (110, 110, 110)
HEADING = FontFace(emphasis="BOLD", fill_color=(226, 240, 237))
STRIPE = (246, 248, 248)
PAGE_WIDTH = 174.0  # A4 less the margins, mm
CHART_HEIGHT = 48.0


def _document(report: MonthlyReport) -> FPDF:
    for font in (LATIN_FONT, LATIN_BOLD, CJK_FONT):
        if not font.exists():
            raise FontMissing(f"{font} is missing: run ./scripts/ensure-system-packages pdf")
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(18, 14, 18)
    pdf.add_font("latin", fname=str(LATIN_FONT))
    pdf.add_font("latin", style="B", fname=str(LATIN_BOLD))
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_font("latin", size=9)
    pdf.set_fallback_fonts(["cjk"], exact_match=False)
    pdf.set_creator("GridCare")
    pdf.set_title(report.title)
    stamp = report.facts_as_of or dt.datetime.combine(report.month, dt.time.min, tzinfo=dt.UTC)
    pdf.set_creation_date(stamp)
    return pdf


def _line(pdf: FPDF, text: str, *, size: float, color: tuple[int, int, int] = (0, 0, 0)) -> None:
    pdf.set_font_size(size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.5, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def _cover(pdf: FPDF, report: MonthlyReport) -> None:
    _line(pdf, report.title, size=16, color=BRAND)
    built = (
        timezone.localtime(report.facts_as_of).strftime("%Y-%m-%d %H:%M")
        if report.facts_as_of
        else _("never")
    )
    _line(
        pdf,
        _("Month %(month)s · %(org)s · facts built %(built)s")
        % {"month": report.month_label, "org": report.org_name, "built": built},
        size=9,
        color=GREY,
    )
    _line(
        pdf,
        _("— no data · personal data masked · figures from the daily monitoring facts"),
        size=8,
        color=GREY,
    )
    pdf.ln(2)


def _widths(table: Table) -> tuple[float, ...]:
    count = len(table.columns)
    if count == 1:
        return (PAGE_WIDTH,)
    # A wide table gives its first column (names) less room than a narrow one.
    first = 58.0 if count <= 4 else 36.0
    rest = (PAGE_WIDTH - first) / (count - 1)
    return (first, *([rest] * (count - 1)))


def _table(pdf: FPDF, table: Table, *, titled: bool = True) -> None:
    if titled:
        _line(pdf, table.title, size=10.5, color=BRAND)
    if table.note:
        _line(pdf, table.note, size=8, color=GREY)
    if not table.rows:
        _line(pdf, _("No data this month."), size=8.5, color=GREY)
        pdf.ln(2)
        return
    align = tuple("LEFT" if c.fmt is Fmt.TEXT else "RIGHT" for c in table.columns)
    pdf.set_font_size(8)
    # Table cells fill with the current colour: a chart drawn before must not tint them.
    pdf.set_fill_color(*STRIPE)
    with pdf.table(
        col_widths=_widths(table),
        text_align=align,
        line_height=5,
        wrapmode=WrapMode.CHAR,
        headings_style=HEADING,
        cell_fill_color=STRIPE,
        cell_fill_mode=TableCellFillMode.ROWS,
    ) as grid:
        grid.row([c.label for c in table.columns])
        for i in range(len(table.rows)):
            grid.row([table.text_at(i, j) for j in range(len(table.columns))])
    pdf.ln(2)
    _chart(pdf, table)


def _chart(pdf: FPDF, table: Table) -> None:
    chart = table.chart
    if chart is None:
        return
    column = chart.value_column
    numbers = [row[column] for row in table.rows]
    values = [float(v) if isinstance(v, int | float) else None for v in numbers]
    if not any(values):
        return
    height = min(CHART_HEIGHT, 7.0 * len(values) + 4)
    if pdf.get_y() + height + 8 > pdf.h - pdf.b_margin:
        pdf.add_page()
    _line(pdf, chart.title, size=8.5, color=GREY)
    draw = report_charts.pie_chart if chart.kind == "pie" else report_charts.bar_chart
    draw(
        pdf,
        labels=[str(row[chart.label_column]) for row in table.rows],
        values=values,
        texts=[table.text_at(i, column) for i in range(len(table.rows))],
        width=PAGE_WIDTH,
        height=height,
    )
    pdf.ln(2)


def report_pdf(report: MonthlyReport) -> bytes:
    """The report as PDF bytes."""
    pdf = _document(report)
    pdf.add_page()
    _cover(pdf, report)
    for section in report.sections:
        if pdf.get_y() > pdf.h - 60:
            pdf.add_page()
        _line(pdf, section.title, size=13, color=BRAND)
        pdf.ln(1)
        for table in section.tables:
            # A section of one table of the same name needs no second heading.
            _table(pdf, table, titled=table.title != section.title)
    return bytes(pdf.output())
