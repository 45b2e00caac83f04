"""The bill PDF: Chinese readable (subset fonts embedded, with their Unicode maps), the lines,
the explanation, the correction note, and only for the bill's owner."""

from __future__ import annotations

import re
import zlib

from fpdf import FPDF

from gridcare.billing.pdf import CJK_FONT, LATIN_FONT
from gridcare.testing.personas import World
from tests.portal.billing_factory import THIS_MONTH, alice_bills, cancel_and_rebill, make_bill

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number → (dictionary, decoded stream)."""
    found = {}
    for match in _OBJECT.finditer(pdf):
        head, _sep, rest = match.group(2).partition(b"stream")
        stream = b""
        if rest:
            stream = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0].rstrip(b"\r\n")
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
        found[int(match.group(1))] = (head, stream)
    return found


def _cmap(stream: bytes) -> dict[int, str]:
    codes = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            codes[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for low, high, start in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = ord(bytes.fromhex(start.decode()).decode("utf-16-be"))
            for offset in range(int(high, 16) - int(low, 16) + 1):
                codes[int(low, 16) + offset] = chr(first + offset)
    return codes


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes (backslash escapes resolved)."""
    out, index = bytearray(), 0
    while index < len(raw):
        char = raw[index : index + 1]
        if char != b"\\":
            out += char
            index += 1
            continue
        following = raw[index + 1 : index + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[index + 1 : index + 4])
        if octal:
            out.append(int(octal.group(), 8))
            index += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(following, following)
            index += 2
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages, one line per text object (Identity-H, two-byte codes)."""
    objects = _objects(pdf)
    fonts = {}
    for head, _stream in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            font_head = objects[int(number)][0]
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font_head)
            if to_unicode:
                fonts[name] = _cmap(objects[int(to_unicode.group(1))][1])
    lines = []
    token = re.compile(
        rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj|(ET)|\[((?:\\.|[^\\\]])*)\] TJ", re.S
    )
    string = re.compile(rb"\(((?:\\.|[^\\)])*)\)", re.S)
    for _head, stream in objects.values():
        if b" Tj" not in stream and b" TJ" not in stream:
            continue
        font, line = {}, []
        for match in token.finditer(stream):
            if match.group(1):
                font = fonts.get(match.group(1), {})
            elif match.group(3):
                lines.append("".join(line))
                line = []
            else:
                shown = [match.group(2)] if match.group(2) is not None else []
                shown += string.findall(match.group(4) or b"")
                for raw in shown:
                    data = _literal(raw)
                    codes = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
                    line.append("".join(font.get(code, "?") for code in codes))
    return "\n".join(lines)


def test_the_text_reader_reads_both_ways_fpdf2_shows_text() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("latin", fname=str(LATIN_FONT))
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_font("latin", size=10)
    pdf.set_fallback_fonts(["cjk"])
    pdf.multi_cell(0, 5, "左对齐 left (1)", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, "两端对齐 justified text " * 6, align="J")
    text = pdf_text(bytes(pdf.output()))
    assert "左对齐 left (1)" in text
    assert "两端对齐 justified" in text


def test_the_pdf_embeds_subsets_of_both_fonts_and_reads_in_chinese(
    world: World, client_for
) -> None:
    bills = alice_bills(world)
    pdf = client_for("alice").get(f"/portal/billing/bills/{bills['this_month'].number}/pdf/")
    content = pdf.content
    # Subsets (a six-letter tag before the name), not the 4 MB CJK font.
    assert re.search(rb"/FontFile2 \d+ 0 R", content)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DroidSansFallback", content)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans", content)
    assert len(content) < 200_000
    text = pdf_text(content)
    assert "电费账单" in text
    assert "3100000000001" in text
    assert "张*丰" in text
    assert "第一档电量" in text
    assert "¥117.77" in text
    assert "¥289.98" in text
    assert "本月用电 450 度" in text
    assert "不作为增值税发票" in text


def test_the_pdf_of_a_cancelled_bill_names_its_correction(world: World, client_for) -> None:
    original = make_bill(world.account_a, THIS_MONTH, 450)
    correction = cancel_and_rebill(original, 420)
    client = client_for("alice")
    old = pdf_text(client.get(f"/portal/billing/bills/{original.number}/pdf/").content)
    assert f"已作废，更正账单为 {correction.number}" in old
    new = pdf_text(client.get(f"/portal/billing/bills/{correction.number}/pdf/").content)
    assert f"本账单更正了账单 {original.number}" in new


def test_the_pdf_in_english_uses_english_labels(world: World, client_for) -> None:
    bills = alice_bills(world)
    client = client_for("alice")
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/billing/"})
    text = pdf_text(client.get(f"/portal/billing/bills/{bills['this_month'].number}/pdf/").content)
    assert "Electricity bill" in text
    assert "Tier 1 energy" in text


def test_another_customers_bill_pdf_is_404(world: World, client_for) -> None:
    bill = make_bill(world.account_b, THIS_MONTH, {"peak": 10, "flat": 10, "valley": 10})
    response = client_for("alice").get(f"/portal/billing/bills/{bill.number}/pdf/")
    assert response.status_code == 404
    assert not response.content.startswith(b"%PDF")
