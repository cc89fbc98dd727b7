"""results.xlsx: the tables of a results folder as one Excel workbook, written directly as Office
Open XML (SpreadsheetML) so that the same tables always give the same bytes.

Numbers are stored as numbers, never as text, so a French-locale Excel shows them with its own
decimal comma; text is stored inline; an empty CSV cell (a value that does not exist) is an
empty cell. A table longer than a sheet allows continues on further sheets ("occupancy (2)").
Every zip entry carries the same fixed date, so the file's bytes depend on the tables alone.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

MAX_ROWS = 1_048_576
"""Rows of one Excel sheet, the header included."""

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
"""The date of every zip entry (the earliest a zip file can hold)."""

Cell = str | float | int | None
Sheet = tuple[str, list[str], Sequence[Sequence[Cell]]]
"""A sheet: its name, its header and its rows."""

FROZEN_HEADER = ('<sheetViews><sheetView workbookViewId="0">'
                 '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>')
"""The header row stays in view while scrolling."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def number_or_text(text: str) -> Cell:
    """A CSV cell as Excel should hold it: a number when it reads as one, None when empty."""
    if text == "":
        return None
    return float(text) if _NUMBER.match(text) else text


def _column(index: int) -> str:
    """Excel's column letters of a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return f'<c r="{ref}"><v>{value!r}</v></c>' if isinstance(value, float) else f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(_CONTROL.sub("", str(value)))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(header: list[str], rows: Sequence[Sequence[Cell]]) -> str:
    columns = [_column(k) for k in range(len(header))]
    lines = ['<row r="1">' + "".join(_cell(f"{c}1", h) for c, h in zip(columns, header)) + "</row>"]
    for r, row in enumerate(rows, start=2):
        lines.append(f'<row r="{r}">' + "".join(_cell(f"{c}{r}", v) for c, v in zip(columns, row)) + "</row>")
    extent = f"A1:{columns[-1] if columns else 'A'}{len(rows) + 1}"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="{extent}"/>' + FROZEN_HEADER + "<sheetData>" + "".join(lines) + "</sheetData></worksheet>")


def _split(sheets: list[Sheet]) -> list[Sheet]:
    """Sheets short enough for Excel: a long table continues on `name (2)`, `name (3)`, ..."""
    out: list[Sheet] = []
    per_sheet = MAX_ROWS - 1
    for name, header, rows in sheets:
        parts = [rows[k:k + per_sheet] for k in range(0, len(rows), per_sheet)] or [rows]
        out += [(name if k == 0 else f"{name} ({k + 1})", header, part) for k, part in enumerate(parts)]
    return out


def workbook(sheets: list[Sheet]) -> bytes:
    """The bytes of an .xlsx workbook holding `sheets` in order (names of at most 31 characters)."""
    sheets = _split(sheets)
    names = [escape(name[:31]) for name, _, _ in sheets]
    files = {
        "[Content_Types].xml": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                                '<Default Extension="xml" ContentType="application/xml"/>'
                                '<Override PartName="/xl/workbook.xml" '
                                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                                + "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" '
                                          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                                          for k in range(1, len(sheets) + 1))
                                + "</Types>"),
        "_rels/.rels": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                        'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                            + "".join(f'<sheet name="{name}" sheetId="{k}" r:id="rId{k}"/>' for k, name in enumerate(names, start=1))
                            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                       '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                       + "".join(f'<Relationship Id="rId{k}" '
                                                 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                                                 f'Target="worksheets/sheet{k}.xml"/>' for k in range(1, len(sheets) + 1))
                                       + "</Relationships>"),
    }
    for k, (_, header, rows) in enumerate(sheets, start=1):
        files[f"xl/worksheets/sheet{k}.xml"] = _sheet_xml(header, rows)
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return sink.getvalue()
