"""The monthly report as plain data: sections of tables, each table optionally drawn as a
chart, so the PDF and the Excel writers render the same content and neither asks the
database anything.

A cell is a number, a text, None ("no data": shown as "—", never 0) or NOT_AVAILABLE (the
KPI's source app is not installed). Percentages are held as percent (82.5 for 82.5 %), as
the facts selectors give them; a writer that needs a fraction divides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from django.utils.translation import gettext as _


class NotAvailable:
    """The marker of a KPI whose source capability is not installed."""

    def __repr__(self) -> str:
        return "NOT_AVAILABLE"


NOT_AVAILABLE: Final = NotAvailable()
NO_DATA = "—"

Cell = str | int | float | None | NotAvailable


class Fmt(StrEnum):
    """How a column's numbers read (ROW: the row's own format, for mixed KPI tables)."""

    TEXT = "text"
    COUNT = "count"
    PERCENT = "percent"
    MINUTES = "minutes"
    SCORE = "score"
    YUAN = "yuan"
    INDEX = "index"
    ROW = "row"


@dataclass(frozen=True)
class Column:
    label: str
    fmt: Fmt = Fmt.TEXT


@dataclass(frozen=True)
class Chart:
    """Draw column `value_column` of the table against its column `label_column`."""

    kind: str  # "bar" or "pie"
    value_column: int
    title: str
    label_column: int = 0


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    #: Per-row formats for the columns whose format is ROW (one per row).
    row_fmts: list[Fmt] = field(default_factory=list)
    chart: Chart | None = None
    note: str = ""

    def fmt_at(self, row: int, column: int) -> Fmt:
        fmt = self.columns[column].fmt
        return self.row_fmts[row] if fmt is Fmt.ROW else fmt

    def text_at(self, row: int, column: int) -> str:
        return display(self.rows[row][column], self.fmt_at(row, column))


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]


@dataclass
class MonthlyReport:
    month: dt.date  # the first day
    org_code: str  # "" for the whole utility
    org_name: str
    title: str
    facts_as_of: dt.datetime | None
    sections: list[Section]

    @property
    def month_label(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def file_stem(self) -> str:
        return report_file_stem(self.month, self.org_code)


def report_file_stem(month: dt.date, org_code: str) -> str:
    """The file name without extension (service-report-2026-11-DEMO-QX)."""
    return f"service-report-{month:%Y-%m}-{org_code or 'ALL'}"


def display(cell: Cell, fmt: Fmt) -> str:
    """A cell as the report prints it."""
    if cell is None:
        return NO_DATA
    if isinstance(cell, NotAvailable):
        return _("not available")
    if isinstance(cell, str) or fmt is Fmt.TEXT:
        return str(cell)
    number = float(cell)
    if fmt is Fmt.COUNT:
        return f"{round(number):,}"
    if fmt is Fmt.PERCENT:
        return f"{number:.1f}%"
    if fmt is Fmt.MINUTES:
        return f"{number:.1f}"
    if fmt is Fmt.SCORE:
        return f"{number:.2f}"
    if fmt is Fmt.YUAN:
        return f"{number:,.2f}"
    return f"{number:.4f}"
