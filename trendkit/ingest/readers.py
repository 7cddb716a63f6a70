"""Reading extract files into raw sheets: text cells, spreadsheet row numbers, no guessing.

Every supported format ends up as :class:`RawSheet`: a polars frame of String columns
``c0 … cN`` (what a spreadsheet user sees, white space untouched), optional Float64
shadow columns ``n0 … nN`` holding numeric cells exactly as stored (so 123.456 in an
Excel cell is never re-read as "123.456" = 123456), and the row number each record has in
the source. Header detection and normalisation happen later, in :mod:`trendkit.ingest.headers`
and :mod:`trendkit.ingest.loader`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from trendkit.errors import TrendkitInputError

if TYPE_CHECKING:
    from trendkit.ingest.excel import ErrorCells

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Found",
    "RawSheet",
    "ReadWhole",
    "SheetChoice",
    "choose_sheets",
    "discover",
    "find_files",
    "iter_sheets",
    "natural_key",
    "read_file",
    "source_names",
]

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".tsv", ".txt", ".parquet")
_WORKBOOKS = ("xlsx", "xlsb", "xls", "ods")
_PREVIEW_ROWS = 40


@dataclass(frozen=True)
class RawSheet:
    """One table of raw cells from one file (one sheet of a workbook).

    ``preview`` holds the first rows as lists of text for header detection; ``frame`` has
    the same rows as String columns ``c0…`` plus a ``source_row`` column (1-based, as the
    spreadsheet shows it) and optional ``n0…`` numeric shadows.
    """

    path: Path
    sheet: str | None
    frame: pl.DataFrame
    codec: str = "latin-1"
    header_given: bool = False  # parquet: column names are the header
    name: str = ""  # how rows name their file (source_file): the file name, or more of its path when two share it
    fixed_width: bool = False  # csv: a row with more fields than the header is an error, not a note column
    stray_quotes: tuple[int, ...] = ()  # csv read without quotes: the rows whose quote is never closed
    #: a slice of a larger table (:data:`PARQUET_BATCH`, :data:`CSV_BATCH`): its rows again, by position in
    #: the slice, as ``frame`` has them (``c0…``, ``n0…``, ``source_row``; no header row)
    reread: Callable[[pl.Series], pl.DataFrame] | None = None
    #: a later slice of a big CSV file: no header rows of its own, read with the first slice's header
    continues: bool = False

    @property
    def label(self) -> str:
        """How messages name this sheet: the file, and the sheet in brackets."""
        return f"{self.source} [{self.sheet}]" if self.sheet else self.source

    @property
    def source(self) -> str:
        """How rows name their file (``source_file``)."""
        return self.name or self.path.name

    def preview(self, n: int = _PREVIEW_ROWS) -> list[list[str]]:
        """The first ``n`` rows as lists of text, for header detection."""
        cols = [c for c in self.frame.columns if c.startswith("c")]
        head = self.frame.head(n).select(cols)
        return [["" if v is None else v for v in row] for row in head.iter_rows()]


_DIGITS = re.compile(r"(\d+)")


def natural_key(path: Path) -> list[tuple[int, int | str]]:
    """Sort key that reads numbers as numbers: BC_T9 before BC_T10 (so a later month's file wins).

    >>> [p.name for p in sorted([Path("BC_T10.csv"), Path("BC_T9.csv"), Path("BC_T2.csv")], key=natural_key)]
    ['BC_T2.csv', 'BC_T9.csv', 'BC_T10.csv']
    """
    return [(0, int(part)) if part.isdigit() else (1, part.lower()) for part in _DIGITS.split(path.name) if part]


def source_names(paths: Sequence[Path]) -> list[str]:
    """How rows name each file: its name, or its path from the folders' common parent when two
    files share a name (``2021/T3.csv`` and ``2022/T3.csv``), so no two files are counted as one.

    >>> source_names([Path("x/2021/T3.csv"), Path("x/2022/T3.csv"), Path("x/2022/T4.csv")])
    ['2021/T3.csv', '2022/T3.csv', 'T4.csv']
    """
    names = [p.name for p in paths]
    clash = {n for n in names if names.count(n) > 1}
    if not clash:
        return [printable(n) for n in names]
    absolute = [p.absolute() for p in paths]
    root = Path(os.path.commonpath([p.parent for p in absolute]))
    return [printable(p.relative_to(root).as_posix() if p.name in clash else p.name) for p in absolute]


def _polars_source(path: Path) -> Path | bytes:
    """What polars can open: the path, or the file's bytes when its name is not UTF-8 (polars takes
    only names it can encode)."""
    try:
        os.fsdecode(path).encode("utf-8")
    except UnicodeEncodeError:
        return path.read_bytes()
    return path


def printable(name: str) -> str:
    """A file name as text that can be printed and stored: bytes of a name that is not UTF-8 (Python
    keeps them as lone surrogates) become U+FFFD.

    >>> printable("T3.csv"), printable(bytes([66, 225, 111, 46, 99, 115, 118]).decode("utf-8", "surrogateescape"))
    ('T3.csv', 'B�o.csv')
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class Found:
    """What a source names: the files to read (each with whether the user named it), and the
    files of its folders that are not read, each with the reason."""

    files: list[tuple[Path, bool]]
    skipped: list[tuple[str, str]]


def find_files(source: str | Path | Sequence[str | Path]) -> Found:
    """Every file a ``source`` names: a path, a list of paths, or a folder (natural name order).

    In a folder, hidden files, Office lock files (``~$…``), subfolders and files of other types are
    listed as skipped with their reason, never silently dropped. An Office lock file named on its
    own (a wildcard such as ``in/*.xls`` picks it up while a workbook is open) is skipped too.
    """
    items = list(source) if isinstance(source, list | tuple) else [source]
    if not items:
        raise TrendkitInputError(
            "chưa chỉ tệp nào / no input files given; expected a path, a list of paths or a folder"
        )
    files: list[tuple[Path, bool]] = []
    skipped: list[tuple[str, str]] = []
    for item in items:
        path = Path(item)
        try:
            path.lstat()
        except FileNotFoundError:
            raise TrendkitInputError(f"{printable(str(path))}: không tìm thấy tệp / file not found") from None
        except OSError as exc:  # a name too long, a folder without permission
            raise TrendkitInputError(
                f"{printable(str(path))[:200]}: không mở được / cannot be opened ({exc.strerror})"
            ) from None
        if path.is_dir():
            entries = sorted(path.iterdir(), key=natural_key)
            found = []
            for p in entries:
                reason = _skip_reason(p, path)
                if reason:
                    skipped.append((printable(f"{path.name}/{p.name}"), reason))
                else:
                    found.append(p)
            if not found:
                listed = "; ".join(f"{n}: {r}" for n, r in skipped[-5:]) or "it is empty"
                raise TrendkitInputError(
                    f"{path}: thư mục không có tệp trích xuất / the folder holds no case extracts ({listed}); "
                    "expected files ending in " + ", ".join(SUPPORTED_SUFFIXES)
                )
            files.extend((p, False) for p in found)
        elif not path.exists():
            raise TrendkitInputError(f"{printable(str(path))}: không tìm thấy tệp / file not found")
        elif path.name.startswith("~$"):  # named by a wildcard (in/*.xls) while someone has the workbook open
            skipped.append((printable(path.name), "an Office lock file (the workbook is open in Excel)"))
        elif not path.is_file():
            raise TrendkitInputError(
                f"{printable(str(path))}: không phải tệp thường / not a regular file (a pipe, device or socket is "
                "never opened); "
                "expected a case extract"
            )
        else:
            files.append((path, True))
    return Found(files, skipped)


def _skip_reason(p: Path, folder: Path) -> str | None:
    """Why an entry of a folder is not read, or None. Only regular files are ever opened (a pipe would
    block the run); a link is followed only to a file inside the folder."""
    try:
        mode = p.lstat().st_mode
        if stat.S_ISLNK(mode):
            target = p.resolve(strict=True)
            if not target.is_relative_to(folder.resolve()):
                return "liên kết ra ngoài thư mục / a link to a file outside the folder (not followed)"
            mode = target.stat().st_mode
    except (OSError, RuntimeError):
        return "liên kết hỏng / a link that leads nowhere, or an entry that vanished or cannot be looked at"
    if stat.S_ISDIR(mode):
        return "thư mục con / a folder (folders inside are not searched)"
    if p.name.startswith("~$"):
        return "tệp khóa của Office / an Office lock file (the workbook is open in Excel)"
    if p.name.startswith("."):
        return "tệp ẩn / a hidden file"
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        kind = printable(suffix) or "none"
        return f"không phải tệp dữ liệu / not a case extract (type '{kind}'); expected one of {kinds}"
    if not stat.S_ISREG(mode):
        return "không phải tệp thường / not a regular file (a pipe, device or socket is never opened)"
    return None


def discover(source: str | Path | Sequence[str | Path]) -> list[Path]:
    """The files :func:`find_files` would read, in order."""
    return [p for p, _ in find_files(source).files]


def read_file(path: Path, *, sheet: SheetChoice = None) -> list[RawSheet]:
    """Read one file into raw sheets. Raises :class:`TrendkitInputError` when it cannot.

    The format comes from the content (:func:`trendkit.ingest.excel.sniff`), not the name: an
    ``.xls`` renamed ``.xlsx`` is read as Excel 97-2003, and errors name the real format.
    """
    return list(iter_sheets(path, sheet=sheet))


class ReadWhole(Exception):
    """A big CSV file read in slices has, past its first slice, a row the fast reader refuses (wider
    than the first rows, or bytes that are not UTF-8): the caller drops the slices it has and reads
    the file again whole (``iter_sheets(path, slices=False)``), by the reader that handles those rows."""


def iter_sheets(path: Path, *, sheet: SheetChoice = None, slices: bool = True) -> Iterator[RawSheet]:
    """The raw sheets of one file, one at a time: a workbook's next sheet is built only when the
    caller is done with the last (the loader frees each once normalised), all within the budget
    :func:`~trendkit.ingest.excel.check_limits` set for the whole workbook before the first. A big
    Parquet file, and a big plain UTF-8 CSV unless ``slices`` is False, come in slices of rows; a CSV
    slice may raise :class:`ReadWhole`."""
    from trendkit.ingest.excel import FORMAT_NAMES, check_limits, sniff

    suffix = path.suffix.lower()
    kind = sniff(path)
    if kind == "encrypted":
        raise TrendkitInputError(
            f"{path.name}: sổ tính có mật khẩu / the workbook is password-protected (encrypted); "
            "expected an unprotected workbook — remove the password in Excel and save again"
        )
    if kind in _WORKBOOKS:
        errors = check_limits(path, kind)
        yield from _read_workbook(path, kind, sheet, errors)
        return
    if kind == "parquet" or suffix == ".parquet":
        from trendkit.ingest.parquet import check_parquet

        check_parquet(path)
        yield from _read_parquet(path)
        return
    if kind == "zip":
        raise TrendkitInputError(
            f"{path.name}: tệp nén không chứa sổ tính / a {FORMAT_NAMES['zip']} that holds no workbook; expected "
            ".xlsx, .xls, .xlsb, .ods or CSV"
        )
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        raise TrendkitInputError(
            f"{path.name}: tên như sổ tính nhưng không phải / named like a workbook but it is a {FORMAT_NAMES[kind]}; "
            "expected a spreadsheet saved by "
            "Excel or LibreOffice (or rename a CSV to .csv)"
        )
    if suffix not in (".csv", ".tsv", ".txt"):
        raise TrendkitInputError(
            f"{path.name}: loại tệp không hỗ trợ / unsupported file type '{suffix}'; expected one of "
            f"{', '.join(SUPPORTED_SUFFIXES)}"
        )
    yield from _read_csv(path, slices)


# --- Excel ---------------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


SheetChoice = str | int | Sequence[str | int] | None


def choose_sheets(path: Path, names: list[str], sheet: SheetChoice) -> list[str]:
    """The sheet names ``sheet`` picks (a name, a 0-based index, or a list of them; None = all).

    >>> choose_sheets(Path("bc.xlsx"), ["T1", "T2", "Ghi chú"], ["T2", 0])
    ['T2', 'T1']
    """
    if sheet is None:
        return list(names)
    chosen = []
    for s in [sheet] if isinstance(sheet, str | int) else sheet:
        if isinstance(s, int):
            if not 0 <= s < len(names):
                raise TrendkitInputError(
                    f"{path.name}: không có trang tính này / no sheet number {s}; the workbook has {len(names)} "
                    f"sheet(s): {', '.join(names)}"
                )
            chosen.append(names[s])
        elif s in names:
            chosen.append(s)
        else:
            raise TrendkitInputError(
                f"{path.name}: không có trang tính này / no sheet named '{s}'; the workbook has: {', '.join(names)}"
            )
    return chosen


def _read_workbook(
    path: Path, kind: str, sheet: SheetChoice, errors: Mapping[str, ErrorCells] | None = None
) -> Iterator[RawSheet]:
    """Every chosen sheet of an Excel or OpenDocument workbook, through calamine.

    Typed numbers and dates come through as stored; a merged cell's value stands in every cell
    it covers (within the cells the sheet really has, so a huge merged range costs nothing).
    ``errors`` (from :func:`~trendkit.ingest.excel.check_limits`) puts an error cell's text
    ("#N/A") where calamine has an empty cell or a 0, so it is read like the same sheet saved as CSV.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    from trendkit.ingest.excel import FORMAT_NAMES

    def broken(exc: Exception) -> TrendkitInputError:
        # calamine's own words, cut before anything it quotes from the file (row content stays out)
        first = re.split(r"[\"'`]", (str(exc).splitlines() or [""])[0], maxsplit=1)[0].strip(" :")[:80]
        first = first or exc.__class__.__name__
        return TrendkitInputError(
            f"{path.name}: tệp hỏng / a damaged {FORMAT_NAMES[kind]} ({first}); expected a workbook that Excel or "
            "LibreOffice opens"
        )

    try:
        with path.open("rb") as fh:
            wb = CalamineWorkbook.from_filelike(fh)
        names = [m.name for m in wb.sheets_metadata if str(m.typ).endswith("WorkSheet")] or list(wb.sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        raise broken(exc) from None
    try:
        yield from _workbook_sheets(wb, path, choose_sheets(path, names, sheet), errors or {}, broken)
    finally:
        wb.close()


def _workbook_sheets(
    wb: object, path: Path, chosen: list[str], errors: Mapping[str, ErrorCells], broken: Callable
) -> Iterator[RawSheet]:
    """Each chosen sheet as a raw sheet, built when asked for."""
    from python_calamine import CalamineError

    for name in chosen:
        try:
            ws = wb.get_sheet_by_name(name)
            grid = [[None if v == "" else v for v in row] for row in ws.to_python(skip_empty_area=False)]
            merged = getattr(ws, "merged_cell_ranges", None) or []  # xlsx, xls and ods report them
        except (CalamineError, OSError, ValueError) as exc:
            raise broken(exc) from None
        for (r, c), text in errors.get(name, {}).items():  # empty (.xlsx) or 0 (.ods) in calamine
            if r <= len(grid) and c <= len(grid[r - 1]):
                grid[r - 1][c - 1] = text
        for (r0, c0), (r1, c1) in merged:
            if r0 >= len(grid) or c0 >= len(grid[r0]):
                continue
            top = grid[r0][c0]
            for r in range(r0, min(r1 + 1, len(grid))):
                row = grid[r]
                for c in range(c0, min(c1 + 1, len(row))):
                    row[c] = top
        yield RawSheet(path, name, _frame_from_grid(grid, first_row=1))
        del grid, ws


def _frame_from_grid(grid: list[list[object]], first_row: int) -> pl.DataFrame:
    width = max((len(r) for r in grid), default=0)
    data: dict[str, list[object]] = {}
    for j in range(width):
        cells = [r[j] if j < len(r) else None for r in grid]
        data[f"c{j}"] = [_cell_text(v) for v in cells]
        numbers = [float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None for v in cells]
        if any(v is not None for v in numbers):
            data[f"n{j}"] = numbers
    schema = {k: (pl.Float64 if k.startswith("n") else pl.String) for k in data}
    frame = pl.DataFrame(data, schema=schema)
    return frame.with_columns(pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias("source_row"))


# --- CSV -----------------------------------------------------------------------------------


def _decode(path: Path, raw: bytes) -> tuple[bytes, str]:
    """UTF-8 bytes of a CSV file and the single-byte codec TCVN3 repair should assume."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:], "latin-1"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16").encode("utf-8"), "latin-1"
        except UnicodeDecodeError:
            raise TrendkitInputError(
                f"{path.name}: mã UTF-16 hỏng / starts like UTF-16 but is not valid UTF-16 text"
            ) from None
    # taken as UTF-8 here; polars checks every byte as it reads, and a file that is not UTF-8 is
    # read again as Windows-1258 (see :func:`_from_windows_1258`)
    return raw, "latin-1"


def _from_windows_1258(raw: bytes) -> tuple[bytes, str]:
    """Not UTF-8: Windows-1258 is what Vietnamese Windows writes. Its combining tone marks are
    composed later (NFC), and TCVN3/VNI cells are repaired per cell."""
    return raw.decode("cp1258", errors="replace").encode("utf-8"), "cp1258"


def _read_csv(path: Path, slices: bool) -> Iterator[RawSheet]:
    with path.open("rb") as fh:
        head = fh.read(65536)
    fast = _read_plain_csv(path, head, slices)
    if fast is not None:
        yield from fast
        return
    yield _read_any_csv(path)


def _read_any_csv(path: Path) -> RawSheet:
    """Any CSV the fast path does not take: the bytes checked, decoded and parsed with their own messages."""
    _check_line_lengths(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TrendkitInputError(
            f"{path.name}: dữ liệu nhị phân, không phải CSV / binary data, not a text CSV; expected comma-, "
            "semicolon- or tab-separated text"
        )
    data, codec = _decode(path, raw)
    if codec == "latin-1" and not _utf8_head(data):
        data, codec = _from_windows_1258(raw)
    try:
        return _parse_csv(path, data, codec)
    except _NotUtf8:
        return _parse_csv(path, *_from_windows_1258(raw))


#: The longest line a CSV may have: a case row is a few hundred bytes; 1 MiB holds 1,000 columns of
#: 1,000 characters. (A quoted field may run over several lines: each line counts alone.)
MAX_LINE_BYTES = 1 << 20
MAX_COLUMNS_CSV = 1_000  # as many as a workbook may have (:data:`trendkit.ingest.excel.MAX_COLUMNS`)


def _check_line_lengths(path: Path, block: int = 1 << 24) -> None:
    """Refuse a CSV with a line longer than :data:`MAX_LINE_BYTES`, read from the file 16 MiB at a time
    before any of it is held whole or split into fields: a 200 MB line of separators would otherwise
    become 200 million fields."""
    import numpy as np

    last, lines, seen = -1, 0, 0  # where the previous line ended, the lines and the bytes before this block
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + seen
            seen += len(chunk)
            gaps = np.diff(np.concatenate(([last], ends)))
            tail = seen - 1 - (int(ends[-1]) if len(ends) else last)  # the line still open at the block's end
            if (len(gaps) and gaps.max() > MAX_LINE_BYTES + 1) or tail > MAX_LINE_BYTES:
                k = int(gaps.argmax()) if len(gaps) and gaps.max() > MAX_LINE_BYTES + 1 else len(gaps)
                length = int(gaps[k]) - 1 if k < len(gaps) else tail
                raise TrendkitInputError(
                    f"{path.name}: dòng quá dài / line {lines + k + 1:,} is "
                    f"{'over ' if k == len(gaps) else ''}{length:,} bytes "
                    f"long; expected at most {MAX_LINE_BYTES:,} bytes a line (a case row is a few hundred) — is "
                    "this a CSV export?"
                )
            if len(ends):
                last = int(ends[-1])
            lines += len(ends)


#: A plain CSV file larger than this is read and normalised :data:`CSV_BATCH` rows at a time, so its raw
#: text never sits in memory whole beside the case table being built (a 5 M-row, 830 MB file: 1.6 GB
#: peak instead of 2.3 GB). A smaller one (a million rows is about 170 MB) is read whole: slices cost time.
CSV_SLICE_BYTES = 256 << 20
CSV_BATCH = 500_000


def _read_plain_csv(path: Path, head: bytes, slices: bool) -> Iterator[RawSheet] | None:
    """The common case read by polars straight from the file (no copy of its bytes in Python): UTF-8
    (with or without a BOM) whose first line is already the widest of the first rows. Anything
    else — UTF-16, another codec, a title row above the table, a wider row further down, a read
    error — returns None, and the general path reads it with its own checks and messages. A file
    over :data:`CSV_SLICE_BYTES` comes in slices (:func:`_csv_slices`) unless ``slices`` is False."""
    if b"\x00" in head[:4096] or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    head = head.removeprefix(codecs.BOM_UTF8)
    if not _utf8_head(head):
        return None
    text = head.decode("utf-8", errors="ignore")
    delimiter = _sniff_delimiter(text)
    preview = list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), _PREVIEW_ROWS))
    width = max((len(r) for r in preview), default=1)
    if not preview or len(preview[0]) < width:
        return None
    options = {"has_header": False, "separator": delimiter, "infer_schema": False,
               "new_columns": [f"c{j}" for j in range(width)]}  # fmt: skip
    source = _polars_source(path)
    try:
        if not slices or path.stat().st_size <= CSV_SLICE_BYTES:
            return iter([_csv_sheet(path, pl.read_csv(source, **options))])
        # each slice at least as long as the preview, so the header always lies in the first
        batches = pl.scan_csv(source, glob=False, **options).collect_batches(chunk_size=max(CSV_BATCH, _PREVIEW_ROWS))
        first, second = next(batches, None), next(batches, None)
    except (pl.exceptions.PolarsError, OSError):
        return None
    if first is None:
        return None
    if second is None:  # a big file of one slice (wide rows): one sheet
        return iter([_csv_sheet(path, first)])
    return _csv_slices(path, (first, second), batches, lambda: pl.scan_csv(source, glob=False, **options))


def _csv_slices(
    path: Path,
    firsts: tuple[pl.DataFrame, pl.DataFrame],
    rest: Iterator[pl.DataFrame],
    scan: Callable[[], pl.LazyFrame],
) -> Iterator[RawSheet]:
    """A big CSV file's slices as raw sheets, each read while the caller normalises the one before; the
    later slices continue the first (no header rows of their own). Raises :class:`ReadWhole` when a
    later slice cannot be read by the fast reader."""
    current, following = firsts
    start = 0
    while current is not None:
        yield _csv_sheet(path, current, start=start, reread=_csv_rereader(path, scan, start))
        start += current.height
        current, following = following, None
        if current is not None:
            try:
                following = next(rest, None)
            except (pl.exceptions.PolarsError, OSError) as exc:
                raise ReadWhole(path.name) from exc


def _csv_rereader(path: Path, scan: Callable[[], pl.LazyFrame], start: int) -> Callable[[pl.Series], pl.DataFrame]:
    """Rows of the CSV slice that begins at line ``start`` (0-based) again, by position: the loader's
    position ``p`` is the slice's row ``p + 1``."""

    def reread(positions: pl.Series) -> pl.DataFrame:
        try:
            df, lines = _rows_at(scan, positions + start + 1)
        except (pl.exceptions.PolarsError, OSError):
            raise TrendkitInputError(
                f"{path.name}: không đọc lại được / the file changed or went away while it was loaded; load it again"
            ) from None
        return df.with_columns((lines + 1).alias("source_row"))

    return reread


def _rows_at(scan: Callable[[], pl.LazyFrame], positions: pl.Series) -> tuple[pl.DataFrame, pl.Series]:
    """The rows at ``positions`` (0-based, in the whole file) read again, and their positions (Int64)."""
    df = scan().with_row_index("__i").filter(pl.col("__i").is_in(positions.implode())).collect()
    return df.drop("__i"), df.get_column("__i").cast(pl.Int64)


def _csv_sheet(
    path: Path,
    frame: pl.DataFrame,
    codec: str = "latin-1",
    *,
    start: int = 0,
    reread: Callable[[pl.Series], pl.DataFrame] | None = None,
) -> RawSheet:
    """A CSV's rows (from line ``start``, 0-based) as a raw sheet, its rows numbered as in the file."""
    frame = frame.with_columns(pl.int_range(start + 1, start + frame.height + 1, dtype=pl.Int64).alias("source_row"))
    _check_cell_lengths(path, frame)
    return RawSheet(path, None, frame, codec=codec, fixed_width=True, reread=reread, continues=start > 0)


class _NotUtf8(Exception):
    """polars found a byte sequence that is not UTF-8 past the first 64 KiB."""


def _utf8_head(data: bytes) -> bool:
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > 65530  # a character cut at the 64 KiB boundary is not an error
    return True


def _parse_csv(path: Path, data: bytes, codec: str) -> RawSheet:
    head_text = data[:65536].decode("utf-8", errors="ignore")
    delimiter = _sniff_delimiter(head_text)
    preview = list(itertools.islice(csv.reader(io.StringIO(head_text, newline=""), delimiter=delimiter), _PREVIEW_ROWS))
    width = max((len(r) for r in preview), default=1)
    try:
        frame = _csv_frame(data, delimiter, width)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() and codec != "cp1258":
            raise _NotUtf8 from None
        if "more fields" not in str(exc):  # a quote opened and never closed: polars' text quotes the row
            return _read_unquoted(path, data, delimiter, codec)
        # a row further down is wider than the first rows: read every field (the loader rejects
        # such rows with their reason), never cut them off
        text = data.decode("utf-8", errors="replace")
        width = max((len(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), default=1)
        try:
            frame = _csv_frame(data, delimiter, width)
        except pl.exceptions.ComputeError:
            return _read_unquoted(path, data, delimiter, codec)
    return _csv_sheet(path, frame, codec)


def _read_unquoted(path: Path, data: bytes, delimiter: str, codec: str) -> RawSheet:
    """A CSV whose quotes do not pair up, read line by line with quotes as plain characters, so a
    stray quote costs its own row (rejected by the loader with the reason), never the whole file."""
    lines = data.split(b"\n")
    width = max(line.count(delimiter.encode()) for line in lines) + 1
    if width > MAX_COLUMNS_CSV:
        raise TrendkitInputError(
            f"{path.name}: quá nhiều cột / a line has {width:,} fields; expected at most {MAX_COLUMNS_CSV:,} (is the "
            "separator right?)"
        )
    frame = pl.read_csv(
        io.BytesIO(delimiter.encode() * (width - 1) + b"\n" + data),
        has_header=False,
        separator=delimiter,
        quote_char=None,
        infer_schema=False,
        new_columns=[f"c{j}" for j in range(width)],
    ).slice(1)
    stray = tuple(n for n, line in enumerate(lines, start=1) if line.count(b'"') % 2)
    sheet = _csv_sheet(path, frame, codec)
    return replace(sheet, stray_quotes=stray)


def _check_cell_lengths(path: Path, frame: pl.DataFrame) -> None:
    """Refuse a cell longer than Excel allows (32,767 characters): no extract has one, and a
    megabyte-long cell would only cost time in every step after."""
    from trendkit.ingest.excel import MAX_CELL_CHARS

    cols = [c for c in frame.columns if c.startswith("c")]
    # a character is at least a byte: characters are counted only in a column with a long cell
    widest = frame.select(pl.col(cols).str.len_bytes().max()).row(0)
    cols = [c for c, n in zip(cols, widest, strict=True) if n is not None and n > MAX_CELL_CHARS]
    longest = frame.select(pl.col(cols).str.len_chars().max()).row(0) if cols else ()
    for col, n in zip(cols, longest, strict=True):
        if n is not None and n > MAX_CELL_CHARS:
            row = frame.filter(pl.col(col).str.len_chars() > MAX_CELL_CHARS)["source_row"][0]
            raise TrendkitInputError(
                f"{path.name}: ô quá dài / row {row}, column {int(col[1:]) + 1} holds {n:,} characters; expected at "
                "most "
                f"{MAX_CELL_CHARS:,} (Excel's own limit) — is a quote left open?"
            )


def _csv_frame(data: bytes, delimiter: str, width: int) -> pl.DataFrame:
    """``width`` String columns ``c0…``; raises polars' ComputeError when a row has more fields."""
    # polars takes its width from the first line; title rows are narrower than the table, so then a
    # line of empty fields goes first (and is dropped) to fix the width. When the first line is
    # already the widest (a plain export), the file is read as it is, without copying it.
    first = next(csv.reader(io.StringIO(data[:65536].decode("utf-8", errors="ignore"), newline=""),
                            delimiter=delimiter), [])  # fmt: skip
    pad = len(first) < width
    body = delimiter.encode() * (width - 1) + b"\n" + data if pad else data
    frame = pl.read_csv(
        io.BytesIO(body),
        has_header=False,
        separator=delimiter,
        infer_schema=False,
        new_columns=[f"c{j}" for j in range(width)],
    )
    return frame.slice(1) if pad else frame


def _sniff_delimiter(text: str) -> str:
    """The separator that splits the first lines most consistently into several fields."""
    lines = [ln for ln in text.splitlines()[:_PREVIEW_ROWS] if ln.strip()]
    best, best_score = ",", -1.0
    for delim in (",", ";", "\t"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        if not counts:
            continue
        widest = max(counts)
        score = sum(1 for c in counts if c == widest) * (widest > 1) * widest
        if score > best_score:
            best, best_score = delim, score
    return best


# --- Parquet -------------------------------------------------------------------------------


def _as_text(s: pl.Series) -> pl.Series:
    """A column as text: cast when polars can; lists, structs, binary and durations as Python shows them."""
    try:
        return s.cast(pl.String)
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        return pl.Series(s.name, [None if v is None else str(v) for v in s.to_list()], dtype=pl.String)


#: Rows of a Parquet file read and normalised at a time (500,000: a 10 M-row file peaks at 1.9 GB, 2.0 GB with
#: a million, 3.8 GB read whole): a larger file is read in slices, so its raw
#: text (about 150 bytes a row) never sits in memory whole beside the case table being built.
PARQUET_BATCH = 500_000


def _read_parquet(path: Path) -> Iterator[RawSheet]:
    """A Parquet file as raw sheets of at most :data:`PARQUET_BATCH` rows, each read only when the
    loader is done with the last. The column names are every slice's header row; rows keep the
    numbers a spreadsheet would show for the whole file (the header is row 1)."""
    source = _polars_source(path)

    def scan() -> pl.LazyFrame:
        return pl.scan_parquet(io.BytesIO(source) if isinstance(source, bytes) else source)

    rows = _parquet_call(path, lambda: scan().select(pl.len()).collect().item())
    many = rows > PARQUET_BATCH
    for start in range(0, max(rows, 1), PARQUET_BATCH):
        df = _parquet_call(path, lambda start=start: scan().slice(start, PARQUET_BATCH).collect())
        reread = _rereader(path, scan, start) if many else None
        yield RawSheet(path, None, _parquet_frame(df, start), header_given=True, reread=reread)


def _rereader(path: Path, scan: Callable[[], pl.LazyFrame], start: int) -> Callable[[pl.Series], pl.DataFrame]:
    """The rows of the slice from ``start`` again, by their position in it (for a rejected row's cells)."""

    def reread(positions: pl.Series) -> pl.DataFrame:
        df, rows = _parquet_call(path, lambda: _rows_at(scan, positions + start))
        return _parquet_frame(df, 0, with_header=False).with_columns((rows + 2).alias("source_row"))

    return reread


def _parquet_call(path: Path, read: Callable[[], object]) -> object:
    try:
        return read()
    except Exception as exc:  # polars raises several types for a corrupt file
        raise TrendkitInputError(
            f"{path.name}: không đọc được tệp Parquet / not a readable Parquet file ({exc.__class__.__name__}); "
            "expected Parquet written by polars, pandas or Spark"
        ) from None


def _parquet_frame(df: pl.DataFrame, start: int, *, with_header: bool = True) -> pl.DataFrame:
    """A Parquet slice as a raw frame: the column names as the header row, each column as text (and a
    numeric shadow), and the row numbers of the whole file (the slice's first row is ``start + 2``)."""
    header = {f"c{j}": [name] for j, name in enumerate(df.columns)}
    cols: list[pl.Series] = []
    for j, (name, dtype) in enumerate(df.schema.items()):
        s = df.get_column(name)
        if dtype.is_numeric():
            cols.append(s.cast(pl.Float64).alias(f"n{j}"))
            text = (
                pl.Series(f"c{j}", [_cell_text(v) for v in s.to_list()], dtype=pl.String)
                if dtype.is_float()
                else s.cast(pl.String).alias(f"c{j}")
            )
        elif dtype == pl.Datetime or dtype == pl.Date:
            text = s.dt.strftime("%Y-%m-%d").alias(f"c{j}")
        else:
            text = _as_text(s).alias(f"c{j}")
        cols.append(text)
    body = pl.DataFrame(cols)
    body = body.select(sorted(body.columns, key=lambda c: (c[0] != "c", int(c[1:]))))
    if not with_header:
        return body
    head = pl.DataFrame(header, schema={k: pl.String for k in header})
    frame = pl.concat([head, body], how="diagonal")
    # Row 1 is the header; data rows are numbered from 2 as a spreadsheet would show them.
    rows = pl.int_range(start + 1, start + frame.height + 1, dtype=pl.Int64)
    return frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(1).otherwise(rows).alias("source_row"))
