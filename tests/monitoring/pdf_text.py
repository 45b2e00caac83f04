"""The text of a PDF that fpdf2 wrote, for assertions (no PDF reader is a dependency).

fpdf2 embeds TrueType subsets as Type0 fonts (Identity-H): every string shown is a run of
2-byte glyph ids, turned back into Unicode through each font's ToUnicode CMap. This reads
exactly that shape — fpdf2's own output — and nothing more general: objects, Flate
streams, the page's `/Fn size Tf` font switches (saved and restored by q/Q) and literal
strings shown by Tj. Each
text object (BT … ET) becomes one line.
"""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_FONT_REF = re.compile(rb"/(F\d+) (\d+) 0 R")
_TOUNICODE = re.compile(rb"/ToUnicode (\d+) 0 R")
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_TOKEN = re.compile(
    rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj|(?<![\w/])(BT|q|Q)(?![\w])", re.S
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number → (its dictionary text, its decoded stream or None)."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for match in _OBJECT.finditer(pdf):
        body = match.group(2)
        stream = _STREAM.search(body)
        data = None
        if stream is not None:
            data = stream.group(1)
            if b"/FlateDecode" in body[: stream.start()]:
                data = zlib.decompress(data)
        found[int(match.group(1))] = (body, data)
    return found


def _cmap(data: bytes) -> dict[int, str]:
    mapping = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for glyph, text in _BFCHAR.findall(section):
            mapping[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return mapping


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\" and i + 1 < len(raw):
            following = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8))
                i += 1 + len(octal.group(0))
                continue
            out += _ESCAPES.get(following, following)
            i += 2
            continue
        out += raw[i : i + 1]
        i += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """Every text object of every page, one per line."""
    objects = _objects(pdf)
    fonts: dict[bytes, dict[int, str]] = {}
    for body, _data in objects.values():
        for name, number in _FONT_REF.findall(body):
            font_body = objects[int(number)][0]
            ref = _TOUNICODE.search(font_body)
            if ref is not None:
                fonts[name] = _cmap(objects[int(ref.group(1))][1] or b"")
    lines: list[str] = []
    for body, data in objects.values():
        if data is None or b"Tf" not in data or b"/Length1" in body:
            continue
        current: dict[int, str] = {}
        saved: list[dict[int, str]] = []  # the font is graphics state: q saves it, Q restores
        for token in _TOKEN.finditer(data):
            operator = token.group(3)
            if operator == b"BT":
                lines.append("")
            elif operator == b"q":
                saved.append(current)
            elif operator == b"Q":
                current = saved.pop() if saved else current
            elif token.group(1) is not None:
                current = fonts.get(token.group(1), {})
            else:
                raw = _unescape(token.group(2))
                glyphs = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
                lines[-1] += "".join(current.get(g, "") for g in glyphs)
    return "\n".join(line for line in lines if line)
