"""The bill as a PDF (电费账单), with its fonts embedded so it reads the same everywhere.

fpdf2 writes the PDF in pure Python and embeds TrueType fonts as subsets (only the glyphs
used: a bill is ~30 kB although the CJK font is 4 MB); nothing outside the Python
environment is needed but the font files. Latin letters, digits and ¥ come from DejaVu Sans
and Chinese from Droid Sans Fallback, the two Debian font packages
`scripts/ensure-system-packages pdf` installs (docs/architecture.md "Billing: portal pages
and PDF" says why this library).

It is a bill, not a tax invoice (增值税发票 are issued through the tax authority's
system), and says so at the foot of the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from gridcare.billing.choices import BillKind, BillStatus
from gridcare.billing.labels import (
    Explanation,
    format_kwh,
    format_price,
    format_yuan,
    line_label,
    unit_label,
)
from gridcare.billing.selectors.bills import BillDetail
from gridcare.core.privacy import mask_address_detail, mask_name

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LATIN_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
CJK_FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
BRAND = (0, 112, 96)
GREY = (110, 110, 110)


class FontMissing(RuntimeError):
    """A font file is not installed (`./scripts/ensure-system-packages pdf`)."""


def _document() -> FPDF:
    for font in (LATIN_FONT, LATIN_BOLD, CJK_FONT):
        if not font.exists():
            raise FontMissing(f"{font} is missing: run ./scripts/ensure-system-packages pdf")
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 16, 18)
    pdf.add_font("latin", fname=str(LATIN_FONT))
    pdf.add_font("latin", style="B", fname=str(LATIN_BOLD))
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_font("latin", size=10)
    # Droid has no bold: bold Chinese (the table's headings) is drawn in the regular face.
    pdf.set_fallback_fonts(["cjk"], exact_match=False)
    pdf.set_creator("GridCare")
    return pdf


def _text(
    pdf: FPDF, text: str, *, size: float = 10, color: tuple[int, int, int] = (0, 0, 0)
) -> None:
    pdf.set_font_size(size)
    pdf.set_text_color(*color)
    # Left-aligned: justifying stretches only the spaces, which Chinese text has few of.
    # Word wrap breaks at the spaces around numbers ("用电 200 度"), so a time range stays
    # whole; a run without spaces longer than the line is still broken between characters.
    pdf.multi_cell(
        0,
        size * 0.55,
        text,
        align="L",
        wrapmode=WrapMode.WORD,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(0, 0, 0)


def _facts(pdf: FPDF, rows: Sequence[tuple[str, str]]) -> None:
    pdf.set_font_size(10)
    with pdf.table(
        col_widths=(32, 142),
        first_row_as_headings=False,
        borders_layout="NONE",
        line_height=6,
        wrapmode=WrapMode.CHAR,
    ) as table:
        for label, value in rows:
            row = table.row()
            pdf.set_text_color(*GREY)
            row.cell(label)
            pdf.set_text_color(0, 0, 0)
            row.cell(value)


def _lines(pdf: FPDF, detail: BillDetail) -> None:
    pdf.set_font_size(9.5)
    with pdf.table(
        col_widths=(62, 36, 40, 36),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=6.5,
        wrapmode=WrapMode.CHAR,
    ) as table:
        table.row([_("Item"), _("Quantity"), _("Unit price (yuan)"), _("Amount")])
        for line in detail.lines:
            table.row(
                [
                    line_label(line.item, line.label),
                    f"{format_kwh(line.quantity)} {unit_label(line.unit)}",
                    format_price(line.unit_price),
                    format_yuan(line.amount),
                ]
            )
        table.row(["", "", _("Total"), format_yuan(detail.bill.total)])


def _header(pdf: FPDF, detail: BillDetail) -> None:
    bill = detail.bill
    pdf.set_text_color(*BRAND)
    pdf.set_font_size(18)
    pdf.cell(0, 10, _("Electricity bill"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    if bill.status == BillStatus.CANCELLED:
        note = _("Cancelled")
        if detail.replaced_by is not None:
            note = _("Cancelled and replaced by bill %(number)s") % {
                "number": detail.replaced_by.number
            }
        _text(pdf, note, size=12, color=(200, 30, 30))
    elif bill.kind == BillKind.REBILL and detail.replaces is not None:
        _text(pdf, _("Corrects bill %(number)s") % {"number": detail.replaces.number}, size=10)
    pdf.ln(2)


def _account_rows(detail: BillDetail) -> list[tuple[str, str]]:
    bill = detail.bill
    account = bill.account
    premise = account.premise
    address = (
        f"{premise.city}{premise.district}{premise.street}{mask_address_detail(premise.detail)}"
    )
    period = _("%(month)s (%(start)s to %(end)s)") % {
        "month": formats.date_format(bill.period, "YEAR_MONTH_FORMAT"),
        "start": formats.date_format(bill.period_start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(bill.period_end, "SHORT_DATE_FORMAT"),
    }
    return [
        (_("Bill number"), bill.number),
        (_("Account number"), account.number),
        (_("Account holder"), mask_name(account.customer.name)),
        (_("Address"), address),
        (_("Billing period"), period),
        (_("Tariff"), detail.tariff_name or bill.tariff_code),
        (_("Energy"), f"{format_kwh(bill.energy_kwh)} {unit_label('kWh')}"),
        (_("Issued on"), formats.date_format(timezone.localtime(bill.issued_at), "DATE_FORMAT")),
        (_("Due date"), formats.date_format(bill.due_date, "DATE_FORMAT")),
        (_("Status"), str(bill.get_status_display())),
    ]


def _payments(pdf: FPDF, detail: BillDetail) -> None:
    if not detail.payments:
        return
    pdf.ln(3)
    _text(pdf, _("Payments"), size=12, color=BRAND)
    for payment in detail.payments:
        when = timezone.localtime(payment.paid_at) if payment.paid_at else None
        text = "{} · {} · {} · {}".format(
            formats.date_format(when, "DATE_FORMAT") if when else "",
            payment.get_provider_display(),
            format_yuan(payment.amount),
            payment.out_trade_no,
        )
        _text(pdf, text, size=9.5)


def bill_pdf(*, detail: BillDetail, explanations: Sequence[Explanation]) -> bytes:
    """The bill of `detail` as PDF bytes, in the active language."""
    pdf = _document()
    bill = detail.bill
    pdf.set_title(f"{_('Electricity bill')} {bill.number}")
    pdf.add_page()
    _header(pdf, detail)
    _facts(pdf, _account_rows(detail))
    pdf.ln(4)
    _lines(pdf, detail)
    if detail.row.outstanding:
        pdf.ln(2)
        _text(
            pdf,
            _("Left to pay: %(amount)s") % {"amount": format_yuan(detail.row.outstanding)},
            size=11,
        )
    if bill.has_estimates:
        pdf.ln(2)
        _text(pdf, _("Part of this bill is based on estimated meter readings."), color=(160, 90, 0))
    if explanations:
        pdf.ln(3)
        _text(pdf, _("How this bill was worked out"), size=12, color=BRAND)
        for paragraph in explanations:
            _text(
                pdf,
                _("%(title)s: %(text)s") % {"title": paragraph.title, "text": paragraph.text},
                size=9.5,
            )
    _payments(pdf, detail)
    pdf.ln(6)
    footer = _("Generated by GridCare on %(date)s. This bill is not a VAT invoice.") % {
        "date": formats.date_format(timezone.localdate(), "DATE_FORMAT")
    }
    _text(pdf, footer, size=8, color=GREY)
    return bytes(pdf.output())
