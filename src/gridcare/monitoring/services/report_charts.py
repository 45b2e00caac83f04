"""Bar and pie charts drawn with fpdf2's own primitives (rect, solid_arc, text), so the
PDF report needs no plotting library. Sizes are in millimetres; a chart draws inside the
box it is given and moves the cursor below it.

Values that are None ("no data") draw nothing; negative values are drawn as 0 (no KPI in
the report is negative).
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

#: ECharts' default palette, so the PDF reads like the console's dashboards.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (84, 112, 198), (145, 204, 117), (250, 200, 88), (238, 102, 102), (115, 192, 222),
    (59, 162, 114), (252, 132, 82), (154, 96, 180), (234, 124, 204), (128, 128, 128),
)  # fmt: skip
AXIS = (150, 150, 150)
LABEL_SIZE = 7.5


def _colour(index: int) -> tuple[int, int, int]:
    return PALETTE[index % len(PALETTE)]


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` at the current font size."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def bar_chart(
    pdf: FPDF,
    *,
    labels: Sequence[str],
    values: Sequence[float | None],
    texts: Sequence[str],
    width: float,
    height: float,
) -> None:
    """Horizontal bars, one per label, the longest reaching the box's right edge; each bar
    ends with its value as `texts` gives it."""
    x0, y0 = pdf.l_margin, pdf.get_y()
    label_width = min(55.0, width * 0.35)
    text_width = 22.0
    bar_space = width - label_width - text_width
    row = min(7.0, height / max(len(labels), 1))
    top = max((v for v in values if v is not None and v > 0), default=0.0)
    pdf.set_font_size(LABEL_SIZE)
    pdf.set_draw_color(*AXIS)
    pdf.line(x0 + label_width, y0, x0 + label_width, y0 + row * len(labels))
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        y = y0 + i * row
        pdf.set_text_color(60, 60, 60)
        pdf.set_xy(x0, y)
        pdf.cell(label_width - 1.5, row, _fit(pdf, label, label_width - 2), align="R")
        length = bar_space * max(value, 0.0) / top if value is not None and top else 0.0
        if length:
            pdf.set_fill_color(*_colour(0))
            pdf.rect(x0 + label_width, y + row * 0.18, length, row * 0.64, style="F")
        pdf.set_xy(x0 + label_width + length + 1, y)
        pdf.cell(text_width, row, text)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(x0, y0 + row * len(labels) + 2)


def pie_chart(
    pdf: FPDF,
    *,
    labels: Sequence[str],
    values: Sequence[float | None],
    texts: Sequence[str],
    width: float,
    height: float,
) -> None:
    """A pie of the positive values with a legend on its right (label, value, share)."""
    x0, y0 = pdf.l_margin, pdf.get_y()
    parts = [(lab, v or 0.0, t) for lab, v, t in zip(labels, values, texts, strict=True)]
    parts = [(lab, v, t) for lab, v, t in parts if v > 0]
    whole = sum(v for _lab, v, _t in parts)
    radius = min(height, width * 0.4) / 2
    angle = 90.0  # the first slice starts at twelve o'clock
    for i, (_label, value, _text) in enumerate(parts):
        sweep = 360.0 * value / whole
        pdf.set_fill_color(*_colour(i))
        # A slice of the whole circle is drawn as a full ellipse (an arc from 0° to 360°
        # degenerates in fpdf2).
        if sweep >= 359.99:
            pdf.ellipse(x0, y0, radius * 2, radius * 2, style="F")
        else:
            pdf.solid_arc(x0, y0, radius, angle - sweep, angle, style="F")
        angle -= sweep
    legend_x = x0 + radius * 2 + 8
    row = min(6.0, height / max(len(parts), 1))
    pdf.set_font_size(LABEL_SIZE)
    for i, (label, value, text) in enumerate(parts):
        y = y0 + i * row
        pdf.set_fill_color(*_colour(i))
        pdf.rect(legend_x, y + row * 0.25, 3, 3, style="F")
        pdf.set_xy(legend_x + 4.5, y)
        share = f"{100.0 * value / whole:.1f}%"
        legend = _fit(pdf, f"{label}  {text}  ({share})", width - (legend_x - x0) - 5)
        pdf.cell(0, row, legend)
    pdf.set_xy(x0, y0 + max(radius * 2, row * len(parts)) + 3)
