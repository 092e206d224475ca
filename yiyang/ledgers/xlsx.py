"""Reading and writing .xlsx cells, nothing more.

Reading uses python-calamine (Rust): a 100,000-row ledger is read in about 3 s where
openpyxl's read-only mode takes about 30 s on these machines (docs/ledgers.md).
Writing is a small streaming SpreadsheetML writer: rows go straight into the zip
entry, so a million rows never sit in memory, and it is several times faster than
openpyxl's write-only mode (which spends most of its time building cell objects).
"""

from __future__ import annotations

import datetime as dt
import io
import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

MAX_SHEET_ROWS = 1_048_576  # Excel's limit per sheet, header included
ZIP_MAGIC = b"PK\x03\x04"
# 200,000 rows of 20 columns unpack to about 250 MB of XML.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024

# Cell styles of the writer (indexes into styles.xml's cellXfs).
PLAIN, HEADER, FAULTY_CELL, FAULTY_ROW, NOTE = 0, 1, 2, 3, 4


class NotAWorkbook(ValueError):
    """The bytes are not an .xlsx workbook (whatever the file's name says)."""


def sniff(fileobj) -> None:
    """Refuse anything but a zip holding a workbook part; never trust the extension."""
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    if head != ZIP_MAGIC:
        raise NotAWorkbook("not a zip container")
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotAWorkbook("damaged zip container") from exc
    finally:
        fileobj.seek(0)
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise NotAWorkbook("no workbook part")
    if "xl/workbook.bin" in names:
        raise NotAWorkbook("a binary workbook (.xlsb)")
    if unpacked > MAX_UNPACKED_BYTES:
        raise NotAWorkbook("unpacks to more than a ledger can hold (a zip bomb?)")


@dataclass
class SheetRows:
    name: str
    first_row: int  # the Excel row number of rows' first item
    first_column: int  # 0-based index of its first cell
    height: int
    rows: Iterator[list]


def read_rows(path) -> SheetRows | None:
    """The first non-empty sheet's rows as lists of Python values (None: no data).

    Cells come back as str, int, float, bool, datetime.date/datetime or "" for empty;
    formulas as their cached value (see formula_cells for those without one)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            if sheet.height and sheet.width:
                (row, column) = sheet.start or (0, 0)
                return SheetRows(name, row + 1, column, sheet.height, sheet.iter_rows())
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds for bad files
        raise NotAWorkbook(str(exc)) from exc
    return None


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?<!/)>(.*?)</c>', re.S)


def formula_cells_without_value(path, sheet_name: str) -> set[tuple[int, int]]:
    """(row, column index) of formula cells that hold no computed value: files written
    by programs, not saved by Excel, whose cells calamine reads as empty."""
    found: set[tuple[int, int]] = set()
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet_name)
        if part is None:
            return found
        with archive.open(part) as stream:
            rest = b""
            while chunk := stream.read(4 << 20):
                data = rest + chunk
                cut = data.rfind(b"</c>") + 4  # scan whole cells only; the rest goes on
                data, rest = (data[:cut], data[cut:]) if cut > 3 else (b"", data)
                if b"<f" in data:
                    _blank_formulas(data, found)
    return found


def _blank_formulas(data: bytes, found: set) -> None:
    for match in _FORMULA_CELL.finditer(data):
        body = match.group(3)
        if b"<f" in body and (b"<v>" not in body or b"<v></v>" in body):
            found.add((int(match.group(2)), _column_index(match.group(1).decode())))


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("p:Relationship", ns)}
    for sheet in workbook.iterfind("m:sheets/m:sheet", ns):
        if sheet.get("name") == sheet_name:
            target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


# --- writing ------------------------------------------------------------------------------
_ESCAPE = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_ESCAPE.update({c: None for c in range(32) if c not in (9, 10, 13)})  # illegal in XML 1.0
_ESCAPE.update({0xFFFE: None, 0xFFFF: None})


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_LETTERS = [column_letter(i) for i in range(256)]
_TEXT_CELLS = '</t></is></c><c t="inlineStr"><is><t>'


def _cell(ref: str, value, style: int) -> str:
    # Every cell carries its reference: cells are then placed right even after an
    # empty one is left out.
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    if value.__class__ is str:
        text = value.translate(_ESCAPE)
    elif isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    elif isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    else:
        text = (value.isoformat() if isinstance(value, dt.date) else str(value)).translate(_ESCAPE)
    if text[:1].isspace() or text[-1:].isspace():
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t>{text}</t></is></c>'


class Sheet:
    def __init__(self, workbook: StreamingWorkbook, name: str, widths: list[int] | None):
        self.workbook, self.name, self.rows = workbook, name, 0
        self._writer = _ZipEntryWriter(
            workbook._zip, f"xl/worksheets/sheet{len(workbook.sheets) + 1}.xml")
        self._buffer: list[str] = []
        cols = ""
        if widths:
            cols = "<cols>" + "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                for i, w in enumerate(widths, start=1)) + "</cols>"
        self._writer.put('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                         'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                         f"{cols}<sheetData>")

    @property
    def full(self) -> bool:
        return self.rows >= MAX_SHEET_ROWS

    def _next_row(self) -> str:
        if self.full:
            raise ValueError("a sheet holds at most 1,048,576 rows")
        self.rows += 1
        return str(self.rows)

    def append(self, values: Iterable, style: int = PLAIN, cell_styles: dict[int, int] | None = None):
        """One row of any values; style for every cell, or cell_styles {column: style}."""
        n = self._next_row()
        cells = "".join(
            _cell(_LETTERS[i] + n, value, cell_styles.get(i, style) if cell_styles else style)
            for i, value in enumerate(values))
        self._add(f'<row r="{n}">{cells}</row>')

    def append_texts(self, values: list[str], escape: frozenset[int] | None = None):
        """One row of strings, plain style: the export's fast path. Every cell is
        written (empty ones too), in order, so the cells need no reference of their
        own (it is optional in SpreadsheetML) and the row is one join. escape: the
        columns that may hold XML's special characters (default: all); the others are
        written as they are."""
        n = self._next_row()
        if escape is None:
            values = [v.translate(_ESCAPE) for v in values]
        else:
            values = list(values)
            for i in escape:
                values[i] = values[i].translate(_ESCAPE)
        self._add(f'<row r="{n}"><c t="inlineStr"><is><t>' + _TEXT_CELLS.join(values)
                  + "</t></is></c></row>")

    def _add(self, row: str):
        self._buffer.append(row)
        if len(self._buffer) >= 2000:
            self._flush()

    def _flush(self):
        if self._buffer:
            self._writer.put("".join(self._buffer))
            self._buffer.clear()

    def close(self):
        self._flush()
        self._writer.put("</sheetData></worksheet>")
        self._writer.close()


class _ZipEntryWriter:
    """Compresses one zip entry in a thread: zlib releases the GIL, so on two cores
    building the XML and deflating it overlap (a third off a million-row export)."""

    def __init__(self, archive: zipfile.ZipFile, name: str):
        self._stream = archive.open(name, "w", force_zip64=True)
        self._queue: queue.Queue = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)
        self._thread.start()

    def _run(self):
        while (text := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._stream.write(text.encode())
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                    self._error = exc

    def put(self, text: str):
        if self._error is not None:
            raise self._error
        self._queue.put(text)

    def close(self):
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        self._stream.close()


class StreamingWorkbook:
    """with StreamingWorkbook(file) as book: sheet = book.add_sheet("台账"); sheet.append([...])

    One sheet is open at a time (each is one zip entry written as rows arrive)."""

    def __init__(self, fileobj, compresslevel: int = 1):
        self._zip = zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self.sheets: list[Sheet] = []

    def add_sheet(self, name: str, widths: list[int] | None = None) -> Sheet:
        if self.sheets:
            self.sheets[-1].close()
        sheet = Sheet(self, name[:31], widths)
        self.sheets.append(sheet)
        return sheet

    def close(self):
        if not self.sheets:
            self.add_sheet("Sheet1")
        self.sheets[-1].close()
        for name, content in _package_parts([s.name for s in self.sheets]).items():
            self._zip.writestr(name, content)
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()
        else:
            self._zip.close()


def _package_parts(sheet_names: list[str]) -> dict[str, str]:
    ns = "http://schemas.openxmlformats.org"
    sheets = range(1, len(sheet_names) + 1)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in sheets)
    return {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            + "".join(f"<sheet name={quoteattr(name)} sheetId=\"{i}\" r:id=\"rId{i}\"/>"
                      for i, name in zip(sheets, sheet_names, strict=True))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/'
            'relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{ns}/officeDocument/2006/relationships/'
                      f'worksheet" Target="worksheets/sheet{i}.xml"/>' for i in sheets)
            + f'<Relationship Id="rId{len(sheet_names) + 1}" Type="{ns}/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": _STYLES,
    }


# cellXfs: 0 plain text, 1 bold header on grey, 2 faulty cell (red fill, dark red text),
# 3 faulty row (light yellow fill), 4 wrapped note text.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><fonts count="3"><font><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/>'
    '<color rgb="FF9C0006"/><name val="等线"/></font></fonts><fills count="5">'
    '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFE7ECEF"/></patternFill></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/></patternFill></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"/></patternFill></fill>'
    '</fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="49" fontId="0" fillId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="2" applyFont="1" applyFill="1" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="2" fillId="3" applyFont="1" applyFill="1" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="4" applyFill="1" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" applyAlignment="1" applyNumberFormat="1">'
    '<alignment wrapText="1" vertical="top"/></xf></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def to_bytes(write) -> bytes:
    """Build a small workbook in memory: to_bytes(lambda book: ...)."""
    buffer = io.BytesIO()
    with StreamingWorkbook(buffer) as book:
        write(book)
    return buffer.getvalue()
