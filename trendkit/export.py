"""Tables written for people to open in Excel: UTF-8 with a BOM, and no cell Excel would run.

Excel reads a CSV without a byte-order mark in the Windows code page (Vietnamese turns to
mojibake) and runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (CSV injection). :func:`write_csv` writes the BOM and, as OWASP recommends, puts a
``'`` before such text cells so Excel shows them as text. :func:`write_table` writes .csv the
same way, .xlsx with every text cell typed as text (never a formula) and dates as dates, or
.parquet; it never replaces a file unless asked and never writes through a link.

>>> import polars as pl, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = write_csv(pl.DataFrame({"ghi chú": ["=HYPERLINK(\\"http://x\\")", "-5", "Lạng Sơn"], "n": [1, -2, 3]}), path)
>>> path.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
True
>>> pl.read_csv(path)["ghi chú"].to_list()
['\\'=HYPERLINK("http://x")', "'-5", 'Lạng Sơn']
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from trendkit.errors import TrendkitInputError

__all__ = ["TABLE_FORMATS", "check_writable", "neutralise", "write_csv", "write_table", "write_workbook"]

#: What :func:`write_table` writes, by file suffix.
TABLE_FORMATS = (".csv", ".xlsx", ".parquet")
#: Rows an Excel sheet holds (the header is one of them): a larger table is refused, not cut.
XLSX_MAX_ROWS = 1_048_576

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that Excel would run as a formula, prefixed with ``'``; numbers are left as numbers.
    Column names are data too (a source header is written as the CSV's first line): they get the same.

    >>> neutralise(pl.DataFrame({"=1+2": ["x"]})).columns
    ["'=1+2"]
    >>> neutralise(pl.DataFrame({"raw": pl.Series(["=1+2", "Đường bộ"], dtype=pl.Categorical)}))["raw"].to_list()
    ["'=1+2", 'Đường bộ']
    """
    # a Categorical column holds the source's own text (``channel_raw``): it is text like any other
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t == pl.Categorical)
    text = [c for c, t in frame.schema.items() if t == pl.String]
    pattern = "^[" + "".join({"\t": "\\t", "\r": "\\r", "-": "\\-", "+": "\\+"}.get(c, c) for c in _FORMULA_START) + "]"
    cells = frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )
    return cells.rename({c: f"'{c}" for c in cells.columns if c.startswith(_FORMULA_START)})


def write_csv(frame: pl.DataFrame, path: str | Path) -> Path:
    """``frame`` as a CSV file Excel opens correctly and safely (see the module notes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise(frame).write_csv(path, include_bom=True)
    return path


def check_writable(path: str | Path, *, replace: bool = False) -> Path:
    """``path`` if :func:`write_table` may write it, else a :class:`~trendkit.errors.TrendkitInputError`
    naming it: an unknown suffix, a link or a folder, or a file that exists when ``replace`` is False.
    The command line asks this before any loading, so a bad path costs nothing."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_FORMATS:
        raise TrendkitInputError(
            f"{path}: cần tệp .csv, .xlsx hoặc .parquet / expected a file ending in {', '.join(TABLE_FORMATS)}"
        )
    if path.is_symlink() or path.is_dir():
        raise TrendkitInputError(
            f"{path}: là liên kết hoặc thư mục / a link or a folder, which trendkit never writes into; nothing was "
            "changed"
        )
    if path.exists() and not replace:
        raise TrendkitInputError(
            f"{path}: tệp đã có / the file exists; it is replaced only when asked (--replace), nothing was changed"
        )
    return path


def write_table(frame: pl.DataFrame, path: str | Path, *, replace: bool = False, sheet: str = "cases") -> Path:
    """``frame`` as .csv (:func:`write_csv`), .xlsx (one sheet named ``sheet``) or .parquet, chosen by
    the suffix of ``path``. A table longer than an Excel sheet holds is refused for .xlsx, never cut.

    The file is written beside its destination and renamed into place, so a reader never sees half
    of it and a link at ``path`` is never followed. An existing file is replaced only with
    ``replace=True``; a link, a folder or an unknown suffix is refused with a
    :class:`~trendkit.errors.TrendkitInputError` that names the path.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "cases.parquet"
    >>> pl.read_parquet(write_table(pl.DataFrame({"n": [1, 2]}), out))["n"].to_list()
    [1, 2]
    >>> write_table(pl.DataFrame({"n": [3]}), out)
    Traceback (most recent call last):
    ...
    trendkit.errors.TrendkitInputError: ...cases.parquet: tệp đã có / the file exists; ...
    """
    path = check_writable(path, replace=replace)
    suffix = path.suffix.lower()
    if suffix == ".xlsx" and frame.height + 1 > XLSX_MAX_ROWS:
        raise TrendkitInputError(
            f"{path}: {frame.height:,} dòng, quá giới hạn của Excel / {frame.height:,} rows, more than an Excel sheet "
            f"holds ({XLSX_MAX_ROWS - 1:,} after the header); write .csv or .parquet instead, nothing was written"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        if suffix == ".xlsx":
            _write_xlsx(frame, Path(temp), sheet)
        else:
            _WRITERS[suffix](frame, Path(temp))
        os.replace(temp, path)  # a link planted at path meanwhile is replaced, never followed
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return path


def _write_xlsx(frame: pl.DataFrame, path: Path, name: str) -> None:
    write_workbook({name: frame}, path)


def write_workbook(
    sheets: Mapping[str, pl.DataFrame],
    path: str | Path,
    *,
    counts: Mapping[str, Sequence[str]] | None = None,
    when: dt.datetime | None = None,
) -> Path:
    """One .xlsx with a sheet per frame: the header row, then every row with text as text (never a
    formula), numbers as numbers and dates as dates. ``counts`` names, per sheet, the columns of case
    counts: a count of 1–2 is written "<3" (:func:`trendkit.summary.suppress`), as on every shared page.
    ``when`` stamps the file (its properties and every part inside it), so the same tables and time
    give the same bytes; without it, the time of writing.

    >>> import tempfile, pathlib
    >>> from python_calamine import CalamineWorkbook
    >>> out = write_workbook({"Vụ": pl.DataFrame({"tỉnh": ["=1+2"], "số vụ": [2]})},
    ...                      pathlib.Path(tempfile.mkdtemp()) / "t.xlsx", counts={"Vụ": ["số vụ"]})
    >>> CalamineWorkbook.from_path(out).get_sheet_by_name("Vụ").to_python()
    [['tỉnh', 'số vụ'], ['=1+2', '<3']]
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(name)
        dates = {c for c, t in frame.schema.items() if t in (pl.Date, pl.Datetime)}
        hidden = set((counts or {}).get(name, ()))
        sheet.append([_cell(sheet, c) for c in frame.columns])
        for row in frame.iter_rows():
            sheet.append([_cell(sheet, v, c in dates, c in hidden) for v, c in zip(row, frame.columns, strict=True)])
    if when is not None:
        utc = when.astimezone(dt.UTC).replace(tzinfo=None)
        book.properties.created = book.properties.modified = utc
    book.save(path)
    if when is not None:
        _restamp(Path(path), when)
    return Path(path)


def _restamp(path: Path, when: dt.datetime) -> None:
    """The .xlsx (a zip) rewritten with every part dated ``when``: zip entries carry the time they were
    written, which would make two identical workbooks differ."""
    import zipfile

    stamp = max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0))  # a zip cannot date a part before 1980
    utc = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as old:
        parts = [(info.filename, old.read(info)) for info in old.infolist()]
    # openpyxl writes the time of saving as the "modified" property, whatever it was given
    parts = [(n, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + utc, d) if n == "docProps/core.xml" else d)
             for n, d in parts]  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts:
            new.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)


def _cell(sheet: object, value: object, date: bool = False, count: bool = False) -> object:
    """One cell: text typed as text (openpyxl would read a leading "=" as a formula), a date formatted
    as one, a count of 1–2 as "<3"."""
    from openpyxl.cell import WriteOnlyCell

    from trendkit.summary import suppress

    value = suppress(value) if count and isinstance(value, int | float) else value
    c = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        c.data_type = "s"
    elif date and value is not None:
        c.number_format = "yyyy-mm-dd"
    return c


_WRITERS = {
    ".csv": lambda frame, path: neutralise(frame).write_csv(path, include_bom=True),
    ".parquet": lambda frame, path: frame.write_parquet(path),
}
