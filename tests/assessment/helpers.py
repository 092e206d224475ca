"""Helpers for the assessment tests: answer sets, form posts, and the text of a PDF."""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib

from yiyang.assessment import scales
from yiyang.assessment.forms import condition_field, item_field

GBT = scales.get("gbt42195-2022")
MZT = scales.get("mzt039-2013")


def best(scale=GBT, **points) -> dict[str, int]:
    """Every item at its most capable option, except those given as B_1_1=0 ..."""
    answers = {item.code: _most_capable(scale, item) for item in scale.items}
    answers.update({code.replace("_", "."): value for code, value in points.items()})
    return answers


def _most_capable(scale, item) -> int:
    # GB/T and MZ/T ADL: more points = more capable; MZ/T M, P, S: fewer points.
    if scale is MZT and not item.code.startswith("B.1."):
        return item.min_points
    return item.max_points


DETAILS = {
    "reason": "routine", "place": "老人家中", "assessor_1": "刘芳", "assessor_2": "陈明",
    "informant": "李建国（儿子）", "notes": "",
}


def details(**overrides) -> dict:
    data = {**DETAILS, "assessed_on": dt.date.today().isoformat()}
    data.update(overrides)
    return data


def form_post(answers: dict, conditions: dict | None = None, *, action: str = "save",
              scale=GBT, **detail_overrides) -> dict:
    """The one-page form as a browser posts it."""
    data = {**details(**detail_overrides), "action": action, "scale": scale.code}
    data.update({item_field(code): str(points) for code, points in answers.items()})
    for code, value in (conditions or {}).items():
        data[condition_field(code)] = str(value)
    return data


# --- text of a reportlab PDF --------------------------------------------------------------
_STREAM = re.compile(rb"/Filter \[ /ASCII85Decode /FlateDecode \].*?stream\r?\n(.*?)endstream", re.S)
_TYPE0 = re.compile(rb"/Name /(F\d+) /Subtype /Type0")
_TEXT = re.compile(rb"/(F\d+) [\d.]+ Tf|\((?:\\.|[^\\)])*\) Tj")


def pdf_text(pdf: bytes) -> str:
    """The text shown in a PDF made by reportlab (ASCII85+Flate page streams; CID fonts
    in UTF-16BE), one line per text-show operation."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    cid_fonts = set(_TYPE0.findall(pdf))
    lines = []
    for raw in _STREAM.findall(pdf):
        data = raw.strip()
        if data.endswith(b"~>"):
            data = data[:-2]
        content = zlib.decompress(base64.a85decode(data))
        font = b""
        for match in _TEXT.finditer(content):
            if match.group(1):
                font = match.group(1)
                continue
            literal = _unescape(match.group(0)[1:-4])
            lines.append(literal.decode("utf-16-be") if font in cid_fonts else literal.decode("latin-1"))
    return "\n".join(lines)


def _unescape(body: bytes) -> bytes:
    out, i = bytearray(), 0
    simple = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(body):
        c = body[i]
        if c != 0x5C:  # backslash
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if 0x30 <= nxt <= 0x37:
            digits = re.match(rb"[0-7]{1,3}", body[i + 1:i + 4]).group(0)
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        else:
            out.append(simple.get(nxt, nxt))
            i += 2
    return bytes(out)
