"""Spreadsheets through calamine: every Excel format and OpenDocument, told apart by content.

:func:`sniff` names a file's real format from its first bytes (and, for a zip, its members), so
an ``.xls`` renamed ``.xlsx`` is read as what it is and an encrypted workbook is called
password-protected, not corrupt. :func:`check_limits` bounds the work a hostile file can cause
*before* calamine builds a sheet: the uncompressed size of a zip is counted while streaming (the
sizes a zip declares can lie), and the cells a sheet spans are measured from its cell
references, so a "far-away cell" or a zip bomb is refused in seconds with a clear message.
calamine (Rust) does not expand XML entities, so an entity bomb expands nothing. The same pass
finds the error cells (#N/A, #DIV/0! …) of .xlsx and .ods sheets, which calamine reads as empty
(.xlsx, python-calamine issue 105) or as the 0 LibreOffice stores (.ods): the loader puts their
text back, as a CSV export of the sheet has it. An .xlsx formula that was never calculated (no
stored result: a file written by a program) is read as its formula, "=B3*2", never as an empty
cell. (.xls and .xlsb are binary: their error cells still read as empty.)

>>> sniff_bytes(b"PK\\x03\\x04", ["[Content_Types].xml", "xl/workbook.xml"])
'xlsx'
>>> sniff_bytes(b"\\xd0\\xcf\\x11\\xe0\\xa1\\xb1\\x1a\\xe1", [])
'xls'
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from trendkit.errors import TrendkitInputError

__all__ = [
    "FORMAT_NAMES",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_ERROR_CELLS",
    "MAX_UNCOMPRESSED",
    "check_limits",
    "sniff",
    "sniff_bytes",
]

#: What each format is called in messages.
FORMAT_NAMES = {
    "xlsx": "Excel workbook (.xlsx/.xlsm)",
    "xlsb": "Excel binary workbook (.xlsb)",
    "xls": "Excel 97-2003 workbook (.xls)",
    "ods": "OpenDocument spreadsheet (.ods)",
    "encrypted": "password-protected (encrypted) Excel workbook",
    "parquet": "Parquet file",
    "zip": "zip archive",
    "text": "text file",
}
#: Limits no real extract reaches (Excel itself stops at 1,048,576 rows and 32,767 characters a cell).
MAX_UNCOMPRESSED = 1 << 30  # bytes of XML/binary inside a zip-based workbook
MAX_CELLS = 40_000_000  # cells a sheet spans (rows × columns from its first to its last cell)
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 32_767
MAX_ERROR_CELLS = 1_000_000  # error or uncalculated cells a sheet may hold; each is held until the sheet is read

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_CELL_COL = re.compile(rb' r="([A-Z]{1,4})[0-9]')  # a cell's reference (a row's r= has no letters)
_CELL_ROW = re.compile(rb' r="[A-Z]{1,4}([0-9]{1,8})"')
_ODS_TOKEN = re.compile(  # a row, a cell (covered by a merge or not), a row's end, a table (sheet)
    rb"<table:table-row\b([^>]*)>|<table:(covered-)?table-cell\b([^>]*?)(/?)>|</table:table-row>|<table:table\s([^>]*)>"
)
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_TEXT = re.compile(rb"<text:p>([^<]{1,32})</text:p>")
_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>')  # a cell whose value is an Excel error
#: A cell holding a formula and no result (a file written by a program, never calculated).
_UNCALCULATED = re.compile(rb"<c\b([^>]*)>(?:<f\b[^>]*/>|<f\b[^>]*>([^<]{0,256})</f>)(?:<v\s*/>|<v></v>)?</c>")
_NO_RESULT = (b"</f></c>", b"/></c>", b"<v/>", b"<v />", b"<v></v>")  # what such a cell ends with
_REF = re.compile(rb'\br="([A-Z]{1,4})([0-9]{1,8})"')
_REPEAT_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_REPEAT_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')


def sniff_bytes(head: bytes, members: list[str]) -> str:
    """The format of a file from its first 8 bytes and, for a zip, its member names."""
    if head.startswith(_OLE):
        return "xls"  # or an encrypted OOXML workbook: :func:`sniff` looks inside
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        names = set(members)
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names and "mimetype" in names:
            return "ods"
        return "zip"
    return "text"


def sniff(path: Path) -> str:
    """The real format of ``path``: xlsx, xlsb, xls, ods, encrypted, parquet, zip or text."""
    with path.open("rb") as fh:
        head = fh.read(8)
    members: list[str] = []
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                members = z.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
    kind = sniff_bytes(head, members)
    if kind == "xls" and _ENCRYPTED in path.read_bytes():
        return "encrypted"
    return kind


def _label(path: Path, sheet: str | None = None) -> str:
    return f"{path.name} [{sheet}]" if sheet else path.name


def _stream(z: zipfile.ZipFile, name: str, budget: list[int], path: Path, chunk: int = 1 << 20) -> Iterator[bytes]:
    """Yield a member's bytes in chunks, counting them against the file's uncompressed budget."""
    with z.open(name) as fh:
        while block := fh.read(chunk):
            budget[0] -= len(block)
            if budget[0] < 0:
                raise TrendkitInputError(
                    f"{path.name}: unpacks to more than {MAX_UNCOMPRESSED:,} bytes (at {name}); a case extract "
                    "is far smaller — is it a zip bomb? Expected an ordinary workbook"
                )
            yield block


def _whole_tags(z: zipfile.ZipFile, name: str, budget: list[int], path: Path) -> Iterator[bytes]:
    """A member's bytes in chunks cut before the last ``<``, so no tag straddles two chunks."""
    tail = b""
    for block in _stream(z, name, budget, path):
        text = tail + block
        cut = text.rfind(b"<")
        body, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
        yield body
    yield tail


def _span_error(path: Path, sheet: str, rows: int, cols: int) -> TrendkitInputError:
    return TrendkitInputError(
        f"{_label(path, sheet)}: the sheet spans {rows:,} rows × {cols:,} columns ({rows * cols:,} cells); expected "
        f"at most {MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells — a stray value far from the table? Delete the "
        "empty rows and columns after the table and save again"
    )


def _error_cells_error(path: Path, sheet: str) -> TrendkitInputError:
    return TrendkitInputError(
        f"{_label(path, sheet)}: more than {MAX_ERROR_CELLS:,} cells hold an error (#N/A, #REF! …) or a formula "
        "never calculated; expected a case table — fix or clear the formulas, or open and save it in Excel"
    )


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


#: Error cells by position: (row, column), both counted from 1 as in A1 → the error's text.
ErrorCells = dict[tuple[int, int], str]


def _check_xlsx_sheet(z: zipfile.ZipFile, name: str, sheet: str, budget: list[int], path: Path) -> ErrorCells:
    """The rows × columns a worksheet spans from A1 to its farthest cell reference (calamine
    builds a dense grid of that size), counted while the XML streams by; and its error cells."""
    hi_r = hi_c = 0
    errors: ErrorCells = {}
    for body in _whole_tags(z, name, budget, path):
        rows = _CELL_ROW.findall(body)
        if rows:
            hi_r = max(hi_r, max(map(int, rows)))
            hi_c = max(hi_c, *(_column_number(c) for c in set(_CELL_COL.findall(body))))
        uncalculated = b"<f" in body and any(end in body for end in _NO_RESULT)
        if uncalculated or b't="e"' in body:  # rare: the regexes run on those chunks only
            errors.update(_error_cells(body))
            if len(errors) > MAX_ERROR_CELLS:
                raise _error_cells_error(path, sheet)
    if hi_r and (hi_c > MAX_COLUMNS or hi_r * hi_c > MAX_CELLS):
        raise _span_error(path, sheet, hi_r, hi_c)
    return errors


def _error_cells(body: bytes) -> ErrorCells:
    """The error cells in a piece of worksheet XML, with their text ("#N/A"; "#ERROR" when the
    value falls in the next piece), and the formulas with no result ("=B3*2"; "=?" for a shared one).

    >>> _error_cells(b'<c r="E3" s="1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F3" t="n"><v>2</v></c>')
    {(3, 5): '#DIV/0!'}
    >>> shared = b'<c r="D4"><f t="shared" si="0"/></c>'
    >>> _error_cells(b'<c r="D3"><f>B3*2</f><v /></c>' + shared + b'<c r="D5"><f>1</f><v>1</v></c>')
    {(3, 4): '=B3*2', (4, 4): '=?'}
    """
    out: ErrorCells = {}
    for m in _UNCALCULATED.finditer(body):
        ref = _REF.search(m.group(1))
        if ref:
            out[int(ref.group(2)), _column_number(ref.group(1))] = "=" + (_xml_text(m.group(2)) if m.group(2) else "?")
    for m in _ERROR_CELL.finditer(body):
        ref = _REF.search(m.group(1))
        if not ref:
            continue
        end, v = body.find(b"</c>", m.end()), body.find(b"<v>", m.end())
        text = body[v + 3 : body.find(b"</v>", v)][:32] if 0 <= v and (end < 0 or v < end) else b"#ERROR"
        out[int(ref.group(2)), _column_number(ref.group(1))] = _xml_text(text)
    return out


def _check_ods(z: zipfile.ZipFile, budget: list[int], path: Path) -> dict[str, ErrorCells]:
    """Cells an ODS table spans once its repeated rows and columns are expanded (values only:
    empty cells repeated to the sheet's edge are normal and cost nothing); and each table's error
    cells, which LibreOffice stores as the number 0 (``calcext:value-type="error"``) and calamine
    reads as that 0."""
    row_repeat, row_cells, cells, widest = 1, 0, 0, 0
    errors: dict[str, ErrorCells] = {}
    here: ErrorCells = {}
    row = col = 1
    for body in _whole_tags(z, "content.xml", budget, path):
        for m in _ODS_TOKEN.finditer(body):
            token = m.group(0)
            if m.group(5) is not None:  # a new table
                name = _ODS_NAME.search(m.group(5))
                here, row = errors.setdefault(_xml_text(name.group(1)) if name else "", {}), 1
            elif token.startswith(b"<table:table-row"):
                found = _REPEAT_ROWS.search(m.group(1) or b"")
                row_repeat, row_cells, col = (int(found.group(1)) if found else 1), 0, 1
                if token.endswith(b"/>"):  # an empty row, written without an end tag
                    row += row_repeat
            elif token.startswith(b"<table:"):
                attrs = m.group(3) or b""
                found = _REPEAT_COLS.search(attrs)
                n = int(found.group(1)) if found else 1
                if not m.group(2) and (b"office:value-type" in attrs or not m.group(4)):  # a value, or text inside
                    row_cells += n
                    widest = max(widest, row_cells)
                if b'value-type="error"' in attrs:
                    _ods_errors(here, body, m.end(), (row, row_repeat), (col, n), path)
                col += n
            elif token == b"</table:table-row>":
                cells += row_repeat * row_cells
                row += row_repeat
            if widest > MAX_COLUMNS or cells > MAX_CELLS:
                raise _span_error(path, "content.xml", max(cells // max(widest, 1), 1), widest)
    return errors


def _ods_errors(
    here: ErrorCells, body: bytes, start: int, rows: tuple[int, int], cols: tuple[int, int], path: Path
) -> None:
    """Record an ODS error cell (repeated over ``rows`` and ``cols``: first, count) with its text."""
    if len(here) + rows[1] * cols[1] > MAX_ERROR_CELLS:
        raise _error_cells_error(path, "content.xml")
    end = body.find(b"</table:table-cell>", start)
    found = _ODS_TEXT.search(body, start, end if end >= 0 else len(body))
    text = _xml_text(found.group(1)) if found else "#ERROR"
    for r in range(rows[0], rows[0] + rows[1]):
        for c in range(cols[0], cols[0] + cols[1]):
            here[r, c] = text


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (``xl/worksheets/sheet1.xml``) → the name the user sees (``T3``)."""
    try:
        book = z.read("xl/workbook.xml")[: 1 << 20].decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels")[: 1 << 20].decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {_attr(tag, "Id"): _attr(tag, "Target") for tag in re.findall(r"<Relationship\b[^>]*>", rels)}
    out = {}
    for tag in re.findall(r"<sheet\b[^>]*>", book):
        target = (targets.get(_attr(tag, "r:id")) or "").lstrip("/")
        out[target if target.startswith("xl/") else f"xl/{target}"] = html.unescape(_attr(tag, "name"))
    return out


def _attr(tag: str, name: str) -> str:
    found = re.search(rf'\s{re.escape(name)}="([^"]*)"', tag)
    return found.group(1) if found else ""


@lru_cache(maxsize=64)
def _xml_text(raw: bytes) -> str:  # one string per error (or sheet name), however many cells hold it
    return html.unescape(raw.decode("utf-8", "replace"))


def check_limits(path: Path, kind: str) -> dict[str, ErrorCells]:
    """Refuse, before any sheet is built, a workbook whose reading would not be bounded.

    Returns the error cells of each .xlsx or .ods sheet by sheet name (empty for other formats).
    """
    errors: dict[str, ErrorCells] = {}
    if kind not in ("xlsx", "xlsb", "ods"):
        return errors
    budget = [MAX_UNCOMPRESSED]
    try:
        with zipfile.ZipFile(path) as z:
            names = _sheet_names(z) if kind == "xlsx" else {}
            for info in z.infolist():
                if kind == "xlsx" and re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                    sheet = names.get(info.filename, Path(info.filename).stem)
                    errors[sheet] = _check_xlsx_sheet(z, info.filename, sheet, budget, path)
                elif kind == "ods" and info.filename == "content.xml":
                    errors = _check_ods(z, budget, path)
                else:
                    for _ in _stream(z, info.filename, budget, path):
                        pass
    except TrendkitInputError:  # a ValueError too: ours, already clear
        raise
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise TrendkitInputError(
            f"{path.name}: a damaged {FORMAT_NAMES[kind]} ({exc.__class__.__name__}); "
            "expected a workbook that Excel or LibreOffice opens"
        ) from None
    return errors
