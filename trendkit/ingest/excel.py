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
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
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
#: Cells the sheets of one workbook may span together (rows × columns from A1 to each sheet's farthest
#: cell): calamine and the loader hold up to about 150 bytes a cell, so this keeps a workbook under
#: ~400 MB. 2.5 million is 125,000 rows of 20 columns; a larger table loads as CSV or Parquet.
MAX_CELLS = 2_500_000
MAX_COLUMNS = 1_000
MAX_ROWS = 1_048_576  # Excel's own last row: calamine drops what lies below it
MAX_SHARED_STRINGS = MAX_CELLS  # a workbook never needs more distinct strings than cells
MAX_CELL_CHARS = 32_767
MAX_ERROR_CELLS = 1_000_000  # error or uncalculated cells a sheet may hold; each is held until the sheet is read

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
#: A row or a cell tag with its attributes, for the token walk used where a reference is missing or odd.
_POSITION_TOKEN = re.compile(rb"<(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']([^"']*)["']""")
_SHARED_STRING = re.compile(rb"<si[\s/>]")
#: The common spelling of a cell reference, read by two fast passes.
_PLAIN_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_PLAIN_COL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
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
                    f"{path.name}: giải nén quá lớn / unpacks to more than {MAX_UNCOMPRESSED:,} bytes (at {name}); "
                    "a case extract "
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


def _span_error(path: Path, sheet: str, rows: int, cols: int, together: bool = False) -> TrendkitInputError:
    if rows > MAX_ROWS:
        return TrendkitInputError(
            f"{_label(path, sheet)}: ô nằm ngoài giới hạn / a cell lies at row {rows:,}, below the last row a "
            "spreadsheet holds "
            f"({MAX_ROWS:,}), where it would be lost; expected a table within the sheet — delete what lies far "
            "below the table and save again, or export the sheet as CSV"
        )
    more = f" (with the sheets before it, more than the {MAX_CELLS:,} a workbook may span)" if together else ""
    return TrendkitInputError(
        f"{_label(path, sheet)}: trang tính quá lớn / the sheet spans {rows:,} rows × {cols:,} columns "
        f"({rows * cols:,} cells){more}; "
        f"expected at most {MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells — a stray value far from the table? "
        "Delete the empty rows and columns after the table and save again, or save a large table as CSV"
    )


class _Span:
    """The cells the sheets of one workbook span, against :data:`MAX_CELLS` for them all.

    Each sheet is walked cell by cell where its references are missing or odd, so the position of
    every cell is the one calamine gives it: a cell without ``r`` stands one right of the last, a row
    without ``r`` one below the last.
    """

    def __init__(self, path: Path) -> None:
        self.path, self.left = path, MAX_CELLS
        self.start("")

    def start(self, sheet: str) -> None:
        self.sheet, self.row, self.col, self.hi_r, self.hi_c = sheet, 0, 0, 0, 0

    def cell(self, row: int, col: int) -> None:
        self.row, self.col = row, col
        if row > self.hi_r:
            self.hi_r = row
        if col > self.hi_c:
            self.hi_c = col
        if self.hi_c > MAX_COLUMNS or self.hi_r > MAX_ROWS:
            raise _span_error(self.path, self.sheet, self.hi_r, self.hi_c)

    def end(self) -> None:
        """Count the finished sheet against the workbook's budget."""
        span = self.hi_r * self.hi_c
        if span > self.left:
            raise _span_error(self.path, self.sheet, self.hi_r, self.hi_c, together=self.left < MAX_CELLS)
        self.left -= span

    def xml(self, body: bytes) -> None:
        """Every cell of a piece of worksheet XML: two C-speed passes where every cell is written
        ``<c r="A1"…`` (Excel, LibreOffice, openpyxl), a cell-by-cell walk otherwise."""
        plain = body.count(b'<c r="')
        tags = body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/")
        odd = b"<c\t" in body or b"<c\n" in body or b"<c\r" in body
        if plain == tags and not odd:
            if not plain:
                return
            rows = _PLAIN_ROW.findall(body)
            if len(rows) == plain:  # every reference plain: letters, then digits, then the quote
                self.cell(max(map(int, rows)), max(_column_number(c) for c in set(_PLAIN_COL.findall(body))))
                last = body.rfind(b'<c r="')
                self.row, self.col = _split_ref(body[last + 6 : body.find(b'"', last + 6)])[::-1]
                return
        self._walk(body)

    def _walk(self, body: bytes) -> None:
        for m in _POSITION_TOKEN.finditer(body):
            ref = _R_ATTR.search(m.group(2))
            letters, digits = _split_ref(ref.group(1) if ref else b"")
            if m.group(1) == b"row":
                self.row, self.col = (digits or self.row + 1), 0
            else:
                self.cell(digits or self.row, letters or self.col + 1)


def _split_ref(ref: bytes) -> tuple[int, int]:
    """A cell reference's column and row numbers (0 where a part is missing or unreadable).

    >>> _split_ref(b"XFD1048576"), _split_ref(b"12"), _split_ref(b"a3"), _split_ref(b"A1x")
    ((16384, 1048576), (0, 12), (1, 3), (0, 0))
    """
    m = re.fullmatch(rb"\s*([A-Za-z]{0,9})([0-9]{0,12})\s*", ref)
    if not m:
        return 0, 0
    return (_column_number(m.group(1)) if m.group(1) else 0), (int(m.group(2)) if m.group(2) else 0)


def _error_cells_error(path: Path, sheet: str) -> TrendkitInputError:
    return TrendkitInputError(
        f"{_label(path, sheet)}: quá nhiều ô lỗi / more than {MAX_ERROR_CELLS:,} cells hold an error (#N/A, #REF! "
        "…) or a formula "
        "never calculated; expected a case table — fix or clear the formulas, or open and save it in Excel"
    )


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


#: Error cells by position: (row, column), both counted from 1 as in A1 → the error's text.
ErrorCells = dict[tuple[int, int], str]


def _check_xlsx_sheet(z: zipfile.ZipFile, name: str, span: _Span, budget: list[int]) -> ErrorCells:
    """The rows × columns a worksheet spans from A1 to its farthest cell (calamine builds a dense
    grid of that size), counted while the XML streams by; and its error cells."""
    errors: ErrorCells = {}
    for body in _whole_tags(z, name, budget, span.path):
        span.xml(body)
        uncalculated = b"<f" in body and any(end in body for end in _NO_RESULT)
        if uncalculated or b't="e"' in body:  # rare: the regexes run on those chunks only
            errors.update(_error_cells(body))
            if len(errors) > MAX_ERROR_CELLS:
                raise _error_cells_error(span.path, span.sheet)
    span.end()
    return errors


def _check_shared_strings(z: zipfile.ZipFile, name: str, budget: list[int], path: Path) -> None:
    """calamine keeps every shared string of a workbook: refuse more of them than a workbook can use."""
    count = 0
    for body in _whole_tags(z, name, budget, path):
        count += len(_SHARED_STRING.findall(body))
        if count > MAX_SHARED_STRINGS:
            raise TrendkitInputError(
                f"{path.name}: quá nhiều chuỗi văn bản / holds more than {MAX_SHARED_STRINGS:,} distinct texts "
                "(shared strings), more than "
                f"its sheets can use ({MAX_CELLS:,} cells at most); expected an ordinary workbook — open and save "
                "it in Excel or LibreOffice, or export the table as CSV"
            )


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


def _check_ods(z: zipfile.ZipFile, budget: list[int], span: _Span) -> dict[str, ErrorCells]:
    """Where each ODS table's values stand once its repeated rows and columns are counted (values
    only: empty cells repeated to the sheet's edge are normal and cost nothing), against the
    workbook's span; and each table's error cells, which LibreOffice stores as the number 0
    (``calcext:value-type="error"``) and calamine reads as that 0."""
    row_repeat, row, col, tables = 1, 1, 1, 0
    errors: dict[str, ErrorCells] = {}
    here: ErrorCells = {}
    for body in _whole_tags(z, "content.xml", budget, span.path):
        for m in _ODS_TOKEN.finditer(body):
            token = m.group(0)
            if m.group(5) is not None:  # a new table
                if tables:
                    span.end()
                name = _ODS_NAME.search(m.group(5))
                tables, row = tables + 1, 1
                span.start(_xml_text(name.group(1)) if name else "")
                here = errors.setdefault(span.sheet, {})
            elif token.startswith(b"<table:table-row"):
                found = _REPEAT_ROWS.search(m.group(1) or b"")
                row_repeat, col = (int(found.group(1)) if found else 1), 1
                if token.endswith(b"/>"):  # an empty row, written without an end tag
                    row += row_repeat
            elif token.startswith(b"<table:"):
                attrs = m.group(3) or b""
                found = _REPEAT_COLS.search(attrs)
                n = int(found.group(1)) if found else 1
                if not m.group(2) and (b"office:value-type" in attrs or not m.group(4)):  # a value, or text inside
                    span.cell(row + row_repeat - 1, col + n - 1)
                if b'value-type="error"' in attrs:
                    _ods_errors(here, body, m.end(), (row, row_repeat), (col, n), span)
                col += n
            elif token == b"</table:table-row>":
                row += row_repeat
    span.end()
    return errors


def _ods_errors(
    here: ErrorCells, body: bytes, start: int, rows: tuple[int, int], cols: tuple[int, int], span: _Span
) -> None:
    """Record an ODS error cell (repeated over ``rows`` and ``cols``: first, count) with its text."""
    if len(here) + rows[1] * cols[1] > MAX_ERROR_CELLS:
        raise _error_cells_error(span.path, span.sheet)
    end = body.find(b"</table:table-cell>", start)
    found = _ODS_TEXT.search(body, start, end if end >= 0 else len(body))
    text = _xml_text(found.group(1)) if found else "#ERROR"
    for r in range(rows[0], rows[0] + rows[1]):
        for c in range(cols[0], cols[0] + cols[1]):
            here[r, c] = text


def _sheet_names(z: zipfile.ZipFile, kind: str) -> dict[str, str]:
    """Every worksheet part the workbook points to (``xl/worksheets/sheet1.xml``, wherever it lies)
    → the name the user sees (``T3``)."""
    book_part = "xl/workbook.bin" if kind == "xlsb" else "xl/workbook.xml"
    try:
        rels = z.read(f"xl/_rels/{book_part[3:]}.rels")[: 1 << 20].decode("utf-8", "replace")
        book = z.read(book_part)[: 1 << 20]
    except KeyError:
        return {}
    targets = {_attr(tag, "Id"): _attr(tag, "Target") for tag in re.findall(r"<Relationship\b[^>]*>", rels)}
    sheets = _xlsb_sheets(book) if kind == "xlsb" else _xlsx_sheets(book.decode("utf-8", "replace"))
    out = {}
    for rid, name in sheets:
        target = targets.get(rid) or ""
        part = posixpath.normpath(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
        out[part] = name
    return out


def _xlsx_sheets(book: str) -> list[tuple[str, str]]:
    return [(_attr(tag, "r:id"), html.unescape(_attr(tag, "name"))) for tag in re.findall(r"<sheet\b[^>]*>", book)]


def _xlsb_sheets(book: bytes) -> list[tuple[str, str]]:
    """(relationship id, name) of each BrtBundleSh record of an .xlsb workbook part."""
    out = []
    for kind, body in _records(book):
        if kind == 156 and len(body) >= 12:
            rid, at = _wide_string(body, 8)
            name, _ = _wide_string(body, at)
            out.append((rid, name))
    return out


def _wide_string(body: bytes, at: int) -> tuple[str, int]:
    n = int.from_bytes(body[at : at + 4], "little")
    end = at + 4 + 2 * min(n, 1024)
    return body[at + 4 : end].decode("utf-16-le", "replace"), end


def _records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The BIFF12 records of a small .xlsb part (the workbook's sheet list)."""
    yield from _stream_records([data])


def _record_header(buf: bytes, pos: int) -> tuple[int, int, int] | None:
    """A BIFF12 record's type, size and where its body starts: a 1–2 byte type and a 1–4 byte size,
    7 bits a byte; None when ``buf`` ends inside the header."""
    n = len(buf)
    if pos >= n:
        return None
    kind = buf[pos]
    pos += 1
    if kind & 0x80:
        if pos >= n:
            return None
        kind = (kind & 0x7F) | (buf[pos] & 0x7F) << 7
        pos += 1
    size = 0
    for shift in range(0, 28, 7):
        if pos >= n:
            return None
        byte = buf[pos]
        pos += 1
        size |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
    return kind, size, pos


def _stream_records(chunks: Iterable[bytes], keep: int = 1 << 16) -> Iterator[tuple[int, bytes]]:
    """BIFF12 records from a stream of chunks, holding at most one small record at a time: a record
    larger than ``keep`` bytes (no cell or row record is) is skipped unread."""
    buf, skip = b"", 0
    for chunk in chunks:
        if skip:
            chunk, skip = chunk[skip:], max(0, skip - len(chunk))
        buf, pos = buf + chunk, 0
        while (head := _record_header(buf, pos)) is not None:
            kind, size, at = head
            if at + size > len(buf):
                if size > keep:
                    buf, pos, skip = b"", 0, at + size - len(buf)
                break
            yield kind, buf[at : at + size]
            pos = at + size
        buf = buf[pos:]


#: BIFF12 record types of a cell (blank, number, text, formula … and their short forms): each
#: starts with the cell's 0-based column.
_XLSB_CELLS = frozenset(range(1, 19))


def _check_xlsb_sheet(z: zipfile.ZipFile, name: str, span: _Span, budget: list[int]) -> None:
    """Every cell of an .xlsb worksheet part: rows from BrtRowHdr, columns from each cell record."""
    for kind, body in _stream_records(_stream(z, name, budget, span.path)):
        if kind == 0 and len(body) >= 4:  # BrtRowHdr: the 0-based row of the cells that follow
            span.row = int.from_bytes(body[:4], "little") + 1
        elif kind in _XLSB_CELLS and len(body) >= 4:
            span.cell(span.row, int.from_bytes(body[:4], "little") + 1)
    span.end()


#: BIFF8 cell records (row and column first): FORMULA, LABELSST, NUMBER, RK, BOOLERR, BLANK, LABEL, RSTRING;
#: and MULRK, MULBLANK, whose last column closes the record.
_XLS_CELLS = frozenset((0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0201, 0x0204, 0x00D6))
_XLS_MULTI = frozenset((0x00BD, 0x00BE))


def _check_xls(path: Path) -> None:  # noqa: C901 - one flat branch a record type: a million records, no calls
    """Every cell of every sheet of an .xls (a BIFF record stream in an OLE file; nothing to unpack,
    so the stream is no larger than the file), before calamine builds the dense sheets."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            data = ole.openstream(stream).read() if stream else b""
    except (OSError, ValueError, IndexError, struct.error) as exc:
        raise TrendkitInputError(
            f"{path.name}: tệp bị hỏng / a damaged {FORMAT_NAMES['xls']} ({exc.__class__.__name__}); "
            "expected a workbook that Excel or LibreOffice opens"
        ) from None
    span, names, pos, level, substreams = _Span(path), [], 0, 0, 0
    head = struct.Struct("<HH").unpack_from
    hi_r = hi_c = 0  # of the sheet being read: kept here, checked at its end (nothing is built meanwhile)
    n, cells, multi = len(data), _XLS_CELLS, _XLS_MULTI
    while pos + 4 <= n:  # about a million records for 100,000 rows: the cell branch comes first and stays lean
        kind, size = head(data, pos)
        at, pos = pos + 4, pos + 4 + size
        if kind in cells:
            if level == 1 and size >= 4:
                row, col = head(data, at)
                if row >= hi_r:
                    hi_r = row + 1
                if col >= hi_c:
                    hi_c = col + 1
        elif kind in multi:
            if level == 1 and size >= 6:
                row, _ = head(data, at)
                col = head(data, at + size - 4)[1]  # the record ends with its last column
                hi_r, hi_c = max(hi_r, row + 1), max(hi_c, col + 1)
        elif kind == 0x0085 and size >= 8:  # BOUNDSHEET: a sheet's name, in sheet order
            names.append(_xls_name(data[at : at + size]))
        elif kind == 0x0809:  # BOF: the globals, a sheet, or a chart inside a sheet begins
            level, substreams = level + 1, substreams + (level == 0)
            if level == 1:
                span.start(names[substreams - 2] if 1 < substreams <= len(names) + 1 else "")
                hi_r = hi_c = 0
        elif kind == 0x000A and level:  # EOF
            level -= 1
            if level == 0:
                if hi_r:
                    span.cell(hi_r, hi_c)
                span.end()


def _xls_name(boundsheet: bytes) -> str:
    """The sheet name in a BIFF8 BOUNDSHEET record (a short string, one or two bytes a character)."""
    n, wide = boundsheet[6], boundsheet[7] & 1
    raw = boundsheet[8 : 8 + n * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace")


def _attr(tag: str, name: str) -> str:
    found = re.search(rf'\s{re.escape(name)}="([^"]*)"', tag)
    return found.group(1) if found else ""


@lru_cache(maxsize=64)
def _xml_text(raw: bytes) -> str:  # one string per error (or sheet name), however many cells hold it
    return html.unescape(raw.decode("utf-8", "replace"))


def check_limits(path: Path, kind: str) -> dict[str, ErrorCells]:
    """Refuse, before any sheet is built, a workbook whose reading would not be bounded: more than
    :data:`MAX_UNCOMPRESSED` bytes unpacked, a sheet wider than :data:`MAX_COLUMNS` or deeper than
    :data:`MAX_ROWS`, more than :data:`MAX_CELLS` cells spanned by all its sheets together, or more
    shared strings than that.

    Returns the error cells of each .xlsx or .ods sheet by sheet name (empty for other formats).
    """
    if kind == "xls":
        _check_xls(path)
        return {}
    if kind not in ("xlsx", "xlsb", "ods"):
        return {}
    try:
        with zipfile.ZipFile(path) as z:
            return _check_zip(z, path, kind)
    except TrendkitInputError:  # a ValueError too: ours, already clear
        raise
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise TrendkitInputError(
            f"{path.name}: tệp bị hỏng / a damaged {FORMAT_NAMES[kind]} ({exc.__class__.__name__}); "
            "expected a workbook that Excel or LibreOffice opens"
        ) from None


def _check_zip(z: zipfile.ZipFile, path: Path, kind: str) -> dict[str, ErrorCells]:
    """Every member of a zip-based workbook streamed once against the budgets; sheets walked cell by cell."""
    errors: dict[str, ErrorCells] = {}
    budget, span = [MAX_UNCOMPRESSED], _Span(path)
    names = _sheet_names(z, kind) if kind in ("xlsx", "xlsb") else {}
    pattern = r"xl/worksheets/[^/]+\.bin" if kind == "xlsb" else r"xl/worksheets/[^/]+\.xml"
    for info in z.infolist():
        member = info.filename
        if kind in ("xlsx", "xlsb") and (member in names or re.fullmatch(pattern, member)):
            span.start(names.get(member, Path(member).stem))
            if kind == "xlsb":
                _check_xlsb_sheet(z, member, span, budget)
            else:
                errors[span.sheet] = _check_xlsx_sheet(z, member, span, budget)
        elif kind == "xlsx" and member == "xl/sharedStrings.xml":
            _check_shared_strings(z, member, budget, path)
        elif kind == "ods" and member == "content.xml":
            errors = _check_ods(z, budget, span)
        else:
            for _ in _stream(z, member, budget, path):
                pass
    return errors
