"""``load_cases``: messy provincial extracts in, canonical case table out, nothing lost.

Every data row of every file ends up in exactly one of three places:

* ``LoadResult.cases`` — normalised into the canonical columns (see ``CASE_SCHEMA``);
* ``LoadResult.rejected`` — with its original values, ``source_file``, ``source_row`` (the
  row number a spreadsheet user sees), ``column``, ``reason`` and a short ``reason_code``;
* ``LoadResult.skipped`` — blank rows, total/subtotal rows ("Cộng", "Tổng cộng") and
  column-number rows, counted and kept so nothing disappears silently.

Duplicate case ids: when the same ``case_id`` appears more than once (in one file or in
several), the **last** occurrence in load order wins — files are loaded in the order given,
folders in natural file-name order (T9 before T10), so a later monthly extract corrects an earlier one — and every
earlier occurrence goes to ``rejected`` with ``reason_code == "duplicate"`` and the file and
row that superseded it.

Normalising is done once per distinct value (a month of cases has a few hundred distinct
province spellings, not a million), and each row takes its results by its index among them
(:mod:`~trendkit.ingest.coded`, :mod:`~trendkit.ingest.columns`), so large extracts load quickly.
Text that repeats — codes, regions, units, the raw spellings kept beside each value, the source
file — is Categorical (4 bytes a row where a String keeps a 16-byte view; ``pl.col(c) == "kg"``
works as on text, a join with a String column wants ``.cast(pl.String)``); ``case_id`` and
``province`` stay String.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from trendkit.errors import TrendkitInputError, UnknownProvinceError
from trendkit.geo.provinces import resolve_province, with_legacy_groups
from trendkit.ingest import fields
from trendkit.ingest.coded import Cells, Coded, text_of
from trendkit.ingest.columns import clean_column, normalise_columns
from trendkit.ingest.headers import CANONICAL_FIELDS, Header, find_header
from trendkit.ingest.quantity import UNITS, parse_conversion
from trendkit.ingest.readers import (
    Found,
    RawSheet,
    ReadWhole,
    SheetChoice,
    find_files,
    iter_sheets,
    source_names,
)
from trendkit.ingest.vocab import (
    CHANNEL_VALUES,
    COMMODITY_GROUP_VALUES,
    COMMODITY_VALUES,
    OUTCOME_VALUES,
    PLACE_KIND_VALUES,
    VIOLATION_VALUES,
)
from trendkit.result import Result
from trendkit.summary import Summary
from trendkit.text import fold

__all__ = ["CASE_SCHEMA", "LoadResult", "load_cases"]

Source = str | Path | Sequence[str | Path]

CASE_SCHEMA: dict[str, pl.DataType] = {
    "case_id": pl.String(),
    "detected_on": pl.Date(),
    "province": pl.String(),
    "province_code": pl.Categorical(),
    "province_legacy": pl.Categorical(),
    "legacy_group": pl.Categorical(),
    "region": pl.Categorical(),
    "macro_region": pl.Categorical(),
    "channel": pl.Enum(CHANNEL_VALUES),
    "violation": pl.Enum(VIOLATION_VALUES),
    "commodity": pl.Enum(COMMODITY_VALUES),
    "commodity_group": pl.Enum(COMMODITY_GROUP_VALUES),
    "commodity_raw": pl.Categorical(),
    "goods_value_vnd": pl.Float64(),
    "quantity": pl.Float64(),
    "unit": pl.Categorical(),
    "quantity_std": pl.Float64(),
    "unit_std": pl.Categorical(),
    "place_id": pl.Categorical(),
    "place_kind": pl.Enum(PLACE_KIND_VALUES),
    "place_raw": pl.Categorical(),
    "outcome": pl.Enum(OUTCOME_VALUES),
    "channel_raw": pl.Categorical(),
    "violation_raw": pl.Categorical(),
    "outcome_raw": pl.Categorical(),
    "source_file": pl.Categorical(),
    "source_sheet": pl.Categorical(),
    "source_row": pl.Int64(),
}
#: ``path`` is the file's path as the system spells it (bytes: a name need not be UTF-8).
READ_FILES_SCHEMA = {"file": pl.String, "path": pl.Binary, "bytes": pl.Int64, "modified_ns": pl.Int64}
REJECTED_COLUMNS = ("source_file", "source_sheet", "source_row", "column", "value", "reason", "reason_code")
SKIPPED_COLUMNS = ("source_file", "source_sheet", "source_row", "kind")
#: The first words of every rejection reason, in Vietnamese for the unit that must fix the row; the
#: English detail follows after " / ".
REASONS_VI = {
    "date_missing": "Thiếu ngày phát hiện",
    "date_invalid": "Ngày không hợp lệ",
    "date_out_of_range": "Ngày nằm ngoài khoảng hợp lý (nhầm năm?)",
    "province_missing": "Thiếu tỉnh/thành phố",
    "province_unknown": "Không nhận ra tỉnh/thành phố",
    "value_invalid": "Trị giá không hợp lệ",
    "quantity_invalid": "Số lượng không hợp lệ",
    "channel_unknown": "Không nhận ra tuyến/phương thức vận chuyển",
    "duplicate": "Trùng mã vụ việc, giữ bản sau cùng",
    "too_many_fields": "Dòng có nhiều cột hơn tiêu đề",
    "stray_quote": "Dấu ngoặc kép mở mà không đóng",
}
#: trendkit's own column names: a source column with one of these names is renamed "name (2)", never shadows it
_RESERVED = frozenset(CASE_SCHEMA) | frozenset(REJECTED_COLUMNS) | frozenset(SKIPPED_COLUMNS)

#: A total/subtotal label: a total word on its own (accents kept: "Cộng" is a total, "Công ty" a company,
#: "Tống" a surname), optionally with a period after it ("Cộng tháng 3", "Lũy kế từ đầu năm").
_TOTAL_WORDS = r"(?:tổng cộng|tổng số|tổng|cộng dồn|cộng|lũy kế|luỹ kế|grand total|sub ?total|total)"
_TOTAL_TAIL = r"(?:\s*[:.]?\s*(?:(?:tháng|quý|năm|kỳ|toàn|từ|cả|đầu|month|year|quarter)\b.*|[\d/ .()-]*))?"
_TOTAL_RE = re.compile(rf"^{_TOTAL_WORDS}{_TOTAL_TAIL}$")
_TOTAL_ASCII_RE = re.compile(
    r"^(?:tong cong|tong so|tong|cong don|cong|luy ke|grand total|sub ?total|total)"
    r"(?:\s*[:.]?\s*(?:(?:thang|quy|nam|ky|toan|tu|ca|dau|month|year|quarter)\b.*|[\d/ .()-]*))?$"
)


# --- result objects ------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class LoadResult(Result):
    """What :func:`load_cases` returns: accepted cases, rejected rows, skipped rows.

    ``summary()`` says, per file and sheet, how many rows were read, accepted, rejected and skipped,
    which files were not read and why, the words not understood, and the rejections by reason.
    """

    cases: pl.DataFrame
    rejected: pl.DataFrame
    skipped: pl.DataFrame
    files: pl.DataFrame = field(repr=False)
    #: Files in the folders that were not read (``file``, ``reason``): other types, lock files, unreadable.
    skipped_files: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"file": pl.String, "reason": pl.String}), repr=False
    )
    #: The files actually read (``file``, ``path``, ``bytes``, ``modified_ns``), stated just before each
    #: was read, so a report can hash exactly what it loaded and tell a file that changed meanwhile.
    read_files: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=READ_FILES_SCHEMA), repr=False)

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        t = self.files.select(pl.col("rows_read", "accepted", "rejected", "skipped", "duplicates").sum()).row(0)
        title = (
            f"Đã đọc / read {t[0]} rows from {self.files['source_file'].n_unique()} file(s): "
            f"{t[1]} accepted, {t[2]} rejected ({t[4]} duplicates), {t[3]} skipped"
        )
        lines = ["Thứ tự / order: files in natural name order (T9 before T10); for a case id seen twice the later "
                 "file wins"]  # fmt: skip
        lines += [
            f"{r['source_file']}" + (f" [{r['source_sheet']}]" if r["source_sheet"] else "") + f": {r['note']}"
            for r in self.files.iter_rows(named=True)
            if r["note"]
        ]
        lines += [f"Tệp không đọc / files not read: {r['file']}: {r['reason']}"
                  for r in self.skipped_files.iter_rows(named=True)]  # fmt: skip
        table = self.files.drop("note")
        return Summary(title, lines + self._unmapped_lines() + self._reason_lines(), table)

    def _unmapped_lines(self) -> list[str]:
        unmapped = self.unmapped
        lines = [
            f"Chưa hiểu / not understood (map it with values=): {r['field']}: '{r['raw']}' × {r['rows']} → "
            f"{r['mapped_to']}"
            for r in unmapped.head(10).iter_rows(named=True)
        ]
        if unmapped.height > 10:
            lines.append(f"… {unmapped.height - 10} more words not understood (LoadResult.unmapped)")
        return lines

    def _reason_lines(self) -> list[str]:
        if not self.rejected.height:
            return []
        reasons = self.rejected.group_by("source_file", "reason_code").len("rows").sort("source_file", "reason_code")
        return [f"Lý do loại / rejected: {r['source_file']}: {r['reason_code']} × {r['rows']}"
                for r in reasons.iter_rows(named=True)]  # fmt: skip

    def to_frame(self) -> pl.DataFrame:
        """What this result holds, as a tidy polars frame."""
        return self.cases

    @property
    def unmapped(self) -> pl.DataFrame:
        """Raw words that fell into ``unknown``/``other``, and units no table knows (kept as written, no
        standard quantity): ``field``, ``raw``, ``rows``, ``mapped_to``, most first.

        Map them with ``load_cases(..., values={"outcome": {"their word": "administrative"}})``, a unit
        with ``values={"unit": {"cuộn": "chiếc"}}`` or ``values={"conversion": {"cuộn/textiles": "50 chiếc"}}``.
        """
        frames = []
        for fld, raw, fallback in (
            ("violation", "violation_raw", "other"),
            ("outcome", "outcome_raw", "unknown"),
            ("commodity", "commodity_raw", "other"),
            ("place_kind", "place_raw", "unknown"),
        ):
            if raw not in self.cases.columns:
                continue
            hit = self.cases.filter((pl.col(fld).cast(pl.String) == fallback) & pl.col(raw).is_not_null())
            frames.append(
                hit.group_by(pl.col(raw).alias("raw"))
                .len("rows")
                .select(
                    pl.lit(fld).alias("field"),
                    "raw",
                    pl.col("rows").cast(pl.Int64),
                    pl.lit(fallback).alias("mapped_to"),
                )
            )
        if "unit" in self.cases.columns:  # a unit nobody knows is kept as written, and listed here
            odd = self.cases.filter(pl.col("unit").is_not_null() & ~pl.col("unit").is_in(list(UNITS)))
            frames.append(
                odd.group_by(pl.col("unit").alias("raw"))
                .len("rows")
                .select(
                    pl.lit("unit").alias("field"),
                    "raw",
                    pl.col("rows").cast(pl.Int64),
                    pl.lit("kept").alias("mapped_to"),
                )
            )
        schema = {"field": pl.String, "raw": pl.String, "rows": pl.Int64, "mapped_to": pl.String}
        if not frames:
            return pl.DataFrame(schema=schema)
        return pl.concat(frames).sort(["rows", "field", "raw"], descending=[True, False, False])

    @property
    def synthetic(self) -> bool:
        """Whether the data say they are SYNTHETIC (a file name with "SYNTHETIC", as trendkit's samples
        have): maps, charts and reports made from them must say so too."""
        return any("SYNTHETIC" in f.upper() for f in self.files["source_file"].to_list())


# --- the loader ----------------------------------------------------------------------------


def load_cases(
    source: Source,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: SheetChoice = None,
    date_range: tuple[dt.date | str, dt.date | str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadResult:
    """Load case extracts (Excel .xlsx/.xlsm/.xls/.xlsb, OpenDocument .ods, CSV, Parquet) into the
    canonical case table.

    Parameters
    ----------
    source
        A file, a list of files, or a folder (every .xlsx/.xlsm/.xls/.xlsb/.ods/.csv/.tsv/.txt/.parquet
        in it, in natural name order: T9 before T10). The format is read from the content, not the
        name.
    columns
        Extra header mappings, ``{"their header": "canonical_name"}``; canonical names are
        ``case_id``, ``detected_on``, ``province``, ``channel``, ``violation``,
        ``commodity_raw``, ``goods_value_vnd``, ``quantity``, ``unit``, ``outcome`` and ``place_raw``.
    sheet
        Only this sheet (a name or 0-based index, or a list of them) of each workbook; default every
        sheet. A sheet without a case table is skipped, its rows counted with the reason.

    date_range
        Plausible detection dates ``(first, last)`` (dates or ISO strings); rows outside are rejected
        as ``date_out_of_range``. Default: 1 January 2000 to the end of next year.

    values
        The analyst's own words for values, ``{"outcome": {"XLHC": "administrative"}}``, for
        ``channel``, ``violation``, ``outcome``, ``commodity``, ``unit`` and ``place_kind``; they win over
        trendkit's vocabulary. ``LoadResult.unmapped`` lists the words that still fell into
        unknown/other. ``province`` maps a name to a province, e.g. a regional customs branch
        whose extract covers one province: ``{"province": {"Chi cục HQ khu vực VII": "Lạng Sơn"}}``.
        ``conversion`` sets or overrides a unit's conversion to a standard unit (kg, litre, piece,
        head), for one commodity or any: ``{"conversion": {"bánh/heroin": "0,4 kg", "cuộn": "50 chiếc"}}``.
    progress
        Called as ``progress(k, n, file_name)`` before the k-th of n files is read (``trendkit
        load`` draws a bar with it on a terminal).

    Returns
    -------
    LoadResult

    Raises
    ------
    TrendkitInputError
        A file is missing, not a spreadsheet, password-protected, or has no recognisable
        header.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t3.csv").write_text(
    ...     "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến;Trị giá (triệu đồng)\\n"
    ...     "A1;12/03/2021;Tỉnh Lạng Sơn;Đường bộ;15\\n"
    ...     "A2;31/02/2021;Lào Cai;Đường sắt;2\\n", encoding="utf-8")
    >>> res = load_cases(d)
    >>> res.cases.select("case_id", "province", "channel", "goods_value_vnd").row(0)
    ('A1', 'Lạng Sơn', 'road', 15000000.0)
    >>> res.rejected.select("source_row", "column", "reason_code").row(0)
    (3, 'Ngày phát hiện', 'date_invalid')
    """
    opts = _Options(_user_columns(columns), _window(date_range), *_user_words(values))
    found = find_files(list(source) if isinstance(source, list | tuple) else source)
    parts, skipped_files, read = _load_files(found, opts, sheet, progress)
    if not any(p.cases is not None for p in parts):
        raise TrendkitInputError(
            "không đọc được tệp dữ liệu nào / no case extract could be read; skipped: "
            + "; ".join(f"{n}: {r}" for n, r in skipped_files)
        )
    return replace(
        _combine(parts, skipped_files), read_files=pl.DataFrame(read, schema=READ_FILES_SCHEMA, orient="row")
    )


def _load_files(
    found: Found, opts: _Options, sheet: SheetChoice, progress: Callable[[int, int, str], None] | None
) -> tuple[list[_SheetResult], list[tuple[str, str]], list[tuple[str, bytes, int, int]]]:
    """Each file in turn: its sheets normalised, or the reason it was skipped; and what was read."""
    parts: list[_SheetResult] = []
    key_offset = 0
    skipped_files = list(found.skipped)
    read: list[tuple[str, bytes, int, int]] = []
    paths = [p for p, _ in found.files]
    for k, ((path, named), name) in enumerate(zip(found.files, source_names(paths), strict=True), start=1):
        if progress is not None:
            progress(k, len(paths), name)
        try:
            stated = path.stat()
            file_parts, key_offset = _load_file(path, name, opts, sheet, key_offset)
        except BaseException as exc:  # one bad file never stops a folder, not even a reader's panic
            skipped_files.append((name, _unreadable_or_raise(exc, path, name, named)))
            continue
        read.append((name, os.fsencode(path), stated.st_size, stated.st_mtime_ns))
        if all(p.cases is None for p in file_parts):
            reason = "; ".join(dict.fromkeys(f"{p.raw.label}: {p.note}" for p in file_parts))  # a slice's: once
            if named:
                raise TrendkitInputError(reason)
            none = "không có bảng vụ việc / no case table in any sheet (its rows are counted as skipped)"
            skipped_files.append((name, none))
        parts.extend(file_parts)
    return parts, skipped_files, read


def _load_file(
    path: Path, name: str, opts: _Options, sheet: SheetChoice, key_offset: int
) -> tuple[list[_SheetResult], int]:
    """Each sheet (or slice) of one file normalised as it is read; its raw cells are freed before the
    next is built. A big CSV whose later slice the fast reader refuses is read again whole."""
    try:
        return _load_sheets(iter_sheets(path, sheet=sheet), name, opts, key_offset)
    except ReadWhole:
        return _load_sheets(iter_sheets(path, sheet=sheet, slices=False), name, opts, key_offset)


def _load_sheets(
    sheets: Iterator[RawSheet], name: str, opts: _Options, key_offset: int
) -> tuple[list[_SheetResult], int]:
    parts: list[_SheetResult] = []
    for sheet_raw in sheets:
        raw = replace(sheet_raw, name=name)
        del sheet_raw
        part = _read_sheet(raw, opts, key_offset, parts[-1] if raw.continues else None)
        key_offset += raw.frame.height
        part.raw = replace(raw, frame=raw.frame.clear())  # its cells now live in the result: free the raw text
        parts.append(part)
    return parts, key_offset


def _unreadable_or_raise(exc: BaseException, path: Path, name: str, named: bool) -> str:
    """Why a file of a folder could not be read; a file the user named must be readable, so for it
    (and for Ctrl-C or an exit) the error goes on up."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc  # Ctrl-C, exit
    if named and isinstance(exc, TrendkitInputError):
        raise exc
    reason = _unreadable(exc, path)
    if named:
        raise TrendkitInputError(f"{name}: {reason}") from None
    return reason


def _unreadable(exc: BaseException, path: Path) -> str:
    """Why a file could not be read, in words that never quote its content: trendkit's own message,
    the system's reason (gone, no permission), or the kind of internal failure."""
    if isinstance(exc, TrendkitInputError):
        return str(exc).removeprefix(f"{path.name}: ")
    if isinstance(exc, OSError):
        return (
            f"không đọc được / cannot be read ({exc.strerror or exc.__class__.__name__}); was it moved, deleted or "
            "locked while loading?"
        )
    return (
        f"không đọc được / cannot be read: the reader failed ({exc.__class__.__name__}); expected a file Excel or "
        "LibreOffice opens"
    )


_NO_HEADER = (
    "không tìm thấy dòng tiêu đề / no recognisable header row in the first 40 rows; expected headers such as "
    "'Mã vụ việc', 'Ngày phát hiện', 'Tỉnh/TP', 'Tuyến', 'Trị giá' — map others with "
    "columns={'your header': 'detected_on'}"
)


@dataclass(frozen=True)
class _Options:
    """What the analyst told the loader: their headers, plausible dates, their words for values."""

    columns: Mapping[str, str]
    window: tuple[dt.date, dt.date]
    words: Mapping[str, Mapping[str, str]]
    #: Unit conversions, ``"unit/commodity"`` or ``"unit"`` → (standard unit, factor).
    conversions: Mapping[str, tuple[str, float]] = field(default_factory=dict)


#: Fields ``values=`` may map, with the values each accepts.
VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    "channel": CHANNEL_VALUES,
    "violation": VIOLATION_VALUES,
    "outcome": OUTCOME_VALUES,
    "commodity": COMMODITY_VALUES,
    "place_kind": PLACE_KIND_VALUES,
    "unit": tuple(UNITS),
}


def read_mapping_file(path: str | Path, kind: str) -> dict:
    """A small CSV the CLI takes for ``--columns`` (``their header;canonical``) or ``--values``
    (``field;their word;canonical``); ``;`` or ``,`` separated, ``#`` comments.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "v.csv"; _ = f.write_text("# field;word;value\\noutcome;XLHC;administrative\\n")
    >>> read_mapping_file(f, "values")
    {'outcome': {'XLHC': 'administrative'}}
    """
    import csv

    width = {"columns": 2, "values": 3}[kind]
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise TrendkitInputError(f"--{kind} {path}: không đọc được / cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # saved by Notepad on a Vietnamese Windows: Windows-1258, tone marks composed
        text = unicodedata.normalize("NFC", raw.decode("cp1258", errors="replace"))
    out: dict = {}
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.lstrip().startswith("#")]
    for n, line in lines:
        cells = next(csv.reader([line], delimiter=";" if ";" in line else ","))
        cells = [c.strip() for c in cells]
        if len(cells) != width or not all(cells):
            shape = "their header;canonical column" if kind == "columns" else "field;their word;canonical value"
            raise TrendkitInputError(f"--{kind} {path}, line {n}: sai định dạng / expected {shape}, found {line!r}")
        if kind == "columns":
            out[cells[0]] = cells[1]
        else:
            out.setdefault(cells[0], {})[cells[1]] = cells[2]
    return out


def _user_words(
    values: Mapping[str, Mapping[str, str]] | None,
) -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, float]]]:
    """The analyst's words by field (folded word → canonical value), and their unit conversions."""
    words: dict[str, dict[str, str]] = {}
    conversions: dict[str, tuple[str, float]] = {}
    for fld, mapping in (values or {}).items():
        if fld not in (*VALUE_FIELDS, "province", "conversion"):
            raise TrendkitInputError(
                f"values={{{fld!r}: …}}: không rõ trường / expected one of {', '.join(VALUE_FIELDS)}, province, "
                "conversion"
            )
        for theirs, ours in mapping.items():
            if fld == "conversion":
                try:
                    key, conv = parse_conversion(theirs, ours)
                except ValueError as exc:
                    raise TrendkitInputError(f"values={{'conversion': …}}: quy đổi không hợp lệ / {exc}") from None
                conversions[key] = conv
                continue
            if fld == "province":
                try:
                    resolve_province(ours)
                except UnknownProvinceError as exc:
                    raise TrendkitInputError(
                        f"values={{'province': {{{theirs!r}: {ours!r}}}}}: không rõ tỉnh / {exc}"
                    ) from None
            elif ours not in VALUE_FIELDS[fld]:
                raise TrendkitInputError(
                    f"values={{{fld!r}: {{{theirs!r}: {ours!r}}}}}: giá trị không hợp lệ / {ours!r} is not a {fld}; "
                    "expected one of "
                    f"{', '.join(VALUE_FIELDS[fld])}"
                )
            words.setdefault(fld, {})[fold(theirs)] = ours
    return words, conversions


def _read_sheet(raw: RawSheet, opts: _Options, key_offset: int, above: _SheetResult | None = None) -> _SheetResult:
    """One sheet normalised, or skipped whole (with its rows counted) when it holds no case table. A
    later slice of a big CSV file (``raw.continues``) is read by the header of the slice ``above``."""
    if raw.continues and above is not None:
        if above.header is None:
            return _SheetResult.skipped_sheet(raw, above.note)
        header = replace(above.header, first_row=0, n_rows=0, skip=0)  # its rows are all data
    else:
        header = find_header(raw.preview(), opts.columns, codec=raw.codec, fixed_row=0 if raw.header_given else None)
    if header is None:
        return _SheetResult.skipped_sheet(raw, _NO_HEADER)
    missing = _missing_columns(header)
    if missing:
        return _SheetResult.skipped_sheet(raw, missing)
    return _normalise(raw, header, key_offset, opts)


def _window(date_range: tuple[dt.date | str, dt.date | str] | None) -> tuple[dt.date, dt.date]:
    if date_range is None:
        return fields.plausible_dates()
    try:
        first, last = (d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in date_range)
    except (TypeError, ValueError):
        raise ValueError(f"date_range={date_range!r}: expected (first, last) as dates or 'YYYY-MM-DD'") from None
    return first, last


def _user_columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    user: dict[str, str] = {}
    for theirs, ours in (columns or {}).items():
        if ours not in CANONICAL_FIELDS:
            raise TrendkitInputError(
                f"columns={{{theirs!r}: {ours!r}}}: không phải cột chuẩn / {ours!r} is not a canonical column; "
                f"expected one of {', '.join(CANONICAL_FIELDS)}"
            )
        user[fold(theirs)] = ours
        user[fold(re.sub(r"\([^)]*\)", " ", theirs))] = ours
    return user


def _missing_columns(header: Header) -> str | None:
    """Why a table cannot be loaded (no date or no province column), or None."""
    found = set(header.fields.values())
    for need, example in (("detected_on", "Ngày phát hiện"), ("province", "Tỉnh/TP")):
        if need not in found:
            shown = ", ".join(f"'{n}'" for n in header.names if n) or "none"
            return (
                f"thiếu cột bắt buộc / the header (row {header.first_row + 1}) has no column for {need} "
                f"(e.g. '{example}'); found {shown}. Map yours with columns={{'your header': '{need}'}}"
            )
    return None


@dataclass
class _SheetResult:
    raw: RawSheet
    cases: pl.DataFrame | None
    original: pl.DataFrame | None  # original cell text by header name, keyed by __key
    problems: pl.DataFrame | None  # __key, column, reason, reason_code
    skipped: pl.DataFrame | None
    rows_read: int = 0
    note: str = ""
    #: a slice of a big Parquet or CSV file keeps ``original`` for its problem rows only; this reads any
    #: other of its rows again by ``__key`` (a row a later duplicate supersedes)
    refetch: Callable[[pl.Series], pl.DataFrame] | None = None
    #: where the table's header is (the next slice of a big CSV file reads its rows by it)
    header: Header | None = None

    def originals(self, keys: pl.Series) -> pl.DataFrame:
        """``original`` of the rows among ``keys``: kept, or read again."""
        kept = self.original.filter(pl.col("__key").is_in(keys.implode()))
        if self.refetch is None or self.cases is None or not self.cases.height:
            return kept
        ours = self.cases.get_column("__key")  # one range, as the sheet's keys are
        missing = keys.filter(keys.is_between(ours.min(), ours.max()) & ~keys.is_in(kept["__key"].implode()))
        return pl.concat([kept, self.refetch(missing)]).sort("__key") if missing.len() else kept

    @classmethod
    def skipped_sheet(cls, raw: RawSheet, note: str) -> _SheetResult:
        """A sheet with no case table: its non-blank rows are counted as skipped, with the reason."""
        cells = [c for c in raw.frame.columns if c.startswith("c")]
        filled = (
            raw.frame.filter(pl.any_horizontal(pl.col(cells).str.strip_chars().ne("").fill_null(False)))
            if cells
            else raw.frame.clear()
        )
        skipped = filled.select(
            pl.lit(raw.source).alias("source_file"),
            pl.lit(raw.sheet, dtype=pl.String).alias("source_sheet"),
            "source_row",
            pl.lit("sheet_skipped").alias("kind"),
        )
        return cls(raw, None, None, None, skipped, skipped.height, note)


def column_letter(n: int) -> str:
    """A spreadsheet column's letters, 1-based.

    >>> column_letter(1), column_letter(26), column_letter(27), column_letter(16384)
    ('A', 'Z', 'AA', 'XFD')
    """
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unique_names(header: Header) -> list[str]:
    """Each source column's name in the result: its header, never one of trendkit's own names or a
    ``__`` name (trendkit's internal columns), numbered where two are the same.

    >>> _unique_names(Header(0, 1, ["Tỉnh", "Tỉnh", "", "____", "__key", "case_id"], {}))
    ['Tỉnh', 'Tỉnh (2)', 'cột C', 'cột D', 'key', 'case_id (2)']
    """
    names: list[str] = []
    for j, name in enumerate(header.names):
        base = name.lstrip("_") if name.startswith("__") else name  # never a name of trendkit's own
        base = base or f"cột {column_letter(j + 1)}"
        candidate, k = base, 2
        while candidate in names or candidate in _RESERVED:  # a new number each time: it ends
            candidate, k = f"{base} ({k})", k + 1
        names.append(candidate)
    return names


def _blank_rows(texts: dict[int, pl.Series], height: int) -> pl.Series:
    if not texts:
        return pl.repeat(True, height, dtype=pl.Boolean, eager=True)
    return pl.DataFrame({str(j): s.is_null() for j, s in texts.items()}).select(pl.all_horizontal(pl.all())).to_series()


def is_total_label(text: str) -> bool:
    """Whether a cell is a total/subtotal label — a total word on its own, not a name that starts like one.

    >>> [is_total_label(t) for t in ("Tổng cộng", "Cộng:", "Cộng tháng 3", "TONG CONG:", "Lũy kế từ đầu năm")]
    [True, True, True, True, True]
    >>> [is_total_label(t) for t in ("Công ty TNHH Hải Long", "Tống Văn Nam", "Cộng hòa", "Cong ty ABC", "Tong Van A")]
    [False, False, False, False, False]
    """
    lower = " ".join(text.lower().split())
    if _TOTAL_RE.match(lower):
        return True
    return lower.isascii() and bool(_TOTAL_ASCII_RE.match(lower))  # typed without diacritics: no accent to tell


def _own_value_missing(cells: Cells, where: pl.Series) -> pl.Series:
    """Among the rows in ``where``, those whose cell is empty or is a total label ("Tổng cộng" or
    "Cộng tháng 3" in the id or date column). Only those rows' distinct values are checked."""
    if isinstance(cells, Coded):
        return (cells.text.is_null() | cells.rows_where(is_total_label)) & where
    chosen = cells.filter(where & cells.is_not_null()).unique().to_list()
    labels = pl.Series([c for c in chosen if is_total_label(c)], dtype=pl.String)
    return (cells.is_null() | cells.is_in(labels.implode()) if labels.len() else cells.is_null()) & where


def _total_rows(texts: dict[int, pl.Series], candidates: pl.Series) -> pl.Series:
    """Total/subtotal rows among ``candidates`` (rows with no case id and no usable date of their own):
    a cell that is a total label on its own (:func:`is_total_label`)."""
    rows = [i for i in candidates.arg_true().to_list() if any(is_total_label(s[i]) for s in texts.values() if s[i])]
    flags = pl.repeat(False, candidates.len(), eager=True, dtype=pl.Boolean)
    return flags.scatter(rows, True) if rows else flags


def _case_ids(cid: pl.Series, texts: dict[int, pl.Series]) -> pl.Series:
    """Case ids from the source; else a stable hash of the row's text (+ its occurrence number)."""
    if not cid.null_count():
        return cid
    joined = (
        pl.DataFrame({str(j): s for j, s in texts.items()})
        .select(pl.concat_str(pl.all().fill_null(""), separator="\x1f").alias("t"))
        .with_columns(pl.int_range(pl.len()).over("t").alias("n"))
    )
    need = cid.is_null()
    sub = joined.filter(need)
    hashed = [
        "auto-" + hashlib.blake2b(f"{t}\x1e{n}".encode(), digest_size=8).hexdigest()
        for t, n in zip(sub["t"].to_list(), sub["n"].to_list(), strict=True)
    ]
    return cid.scatter(need.arg_true(), hashed) if hashed else cid


def _problem_table(
    problems: list[fields.Problem], keys: pl.Series, pos: dict[str, int], hdr: dict[str, str]
) -> pl.DataFrame:
    """One row per (row key, field) problem: ``__key``, ``column`` (the source header), ``reason``, ``reason_code``."""
    frames = []
    for p in problems:
        n = int(p.rows.sum())
        if not n:
            continue
        reasons = p.reason.filter(p.rows) if isinstance(p.reason, pl.Series) else pl.repeat(p.reason, n, eager=True)
        frames.append(
            pl.DataFrame(
                {
                    "__key": keys.filter(p.rows),
                    "__pos": pl.repeat(pos.get(p.field, -1), n, eager=True, dtype=pl.Int64),
                    "column": pl.repeat(hdr.get(p.field, p.field), n, eager=True),
                    "reason": f"{REASONS_VI.get(p.code, p.code)} / " + reasons,
                    "reason_code": pl.repeat(p.code, n, eager=True),
                }
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={"__key": pl.Int64, "column": pl.String, "reason": pl.String, "reason_code": pl.String}
        )
    return pl.concat(frames).sort("__key", "__pos").drop("__pos")


def _with_values(prob: pl.DataFrame, original: pl.DataFrame) -> pl.DataFrame:
    """Each problem with the raw text of the cell it is about (``value``), so a row can be fixed
    from the rejected table alone."""
    parts = []
    for (column,), part in prob.group_by("column", maintain_order=True):
        if column in original.columns:
            cells = original.select("__key", pl.col(column).alias("value"))
            part = part.join(cells, on="__key", how="left", maintain_order="left")
        else:
            part = part.with_columns(pl.lit(None, dtype=pl.String).alias("value"))
        parts.append(part)
    out = (
        pl.concat(parts).sort("__key", maintain_order=True)
        if parts
        else prob.with_columns(value=pl.lit(None, pl.String))
    )
    return out.select("__key", "column", pl.col("value").cast(pl.String), "reason", "reason_code")


def _normalise(raw: RawSheet, header: Header, key_offset: int, opts: _Options) -> _SheetResult:
    body = raw.frame.slice(header.data_start)
    names = _unique_names(header)
    cells, norm = normalise_columns(body, header, raw.codec, opts.words, opts.window, opts.conversions)
    texts = {j: text_of(c) for j, c in cells.items()}
    keys = pl.int_range(key_offset, key_offset + body.height, dtype=pl.Int64, eager=True).alias("__key")
    original = pl.DataFrame({names[j]: s for j, s in texts.items()}).with_columns(keys, body.get_column("source_row"))
    blank = _blank_rows(texts, body.height)
    col_of = {f: j for j, f in header.fields.items()}
    empty = pl.repeat(None, body.height, dtype=pl.String, eager=True)

    def field(f: str) -> Cells:
        return cells[col_of[f]] if f in col_of else empty

    out = dict(norm.columns)
    # a total row has no id and no date of its own: the cell is empty, or holds the total label itself
    # (a date that is there but wrong, "31/02/2021", belongs to a case row: rejected, never skipped)
    no_date = _own_value_missing(field("detected_on"), ~blank)
    no_id = _own_value_missing(field("case_id"), no_date)  # only where the date is missing too: few rows
    out["case_id"] = _case_ids(text_of(field("case_id")).clone(), texts)
    skip_mask = blank | _total_rows(texts, no_date & no_id)

    beyond = [*_beyond_header(raw, header, texts), *_stray_quotes(raw, body)]
    problems = [fields.Problem(p.field, p.rows & ~skip_mask, p.reason, p.code) for p in [*beyond, *norm.problems]]
    prob = _problem_table(problems, keys, col_of, {f: names[j] for f, j in col_of.items()})
    prob = _with_values(prob, original)
    cases = pl.DataFrame(out).with_columns(
        pl.lit(raw.source, dtype=pl.Categorical).alias("source_file"),
        pl.lit(raw.sheet, dtype=pl.Categorical).alias("source_sheet"),
        body.get_column("source_row"),
        keys,
    )
    extras = [names[j] for j in texts if j not in header.fields and not (raw.fixed_width and j > _last_named(header))]
    cases = pl.concat([cases, original.select(extras)], how="horizontal")
    keep = ~skip_mask & ~keys.is_in(prob["__key"].unique().implode())
    cases = cases if keep.all() else cases.filter(keep)  # a clean sheet: no copy of every column
    refetch = None
    if raw.reread is not None:  # a slice of a big file: its raw text is freed, rows read again if needed
        original = original.filter(pl.col("__key").is_in(prob["__key"].implode()))
        refetch = _refetcher(raw.reread, raw.codec, names, sorted(texts), key_offset - header.data_start + 1)
    skipped = _skipped(raw, header, body, blank, skip_mask)
    return _SheetResult(raw, cases, original, prob, skipped, body.height + header.skip, refetch=refetch, header=header)


def _refetcher(
    reread: Callable[[pl.Series], pl.DataFrame], codec: str, names: list[str], js: list[int], first: int
) -> Callable[[pl.Series], pl.DataFrame]:
    """``original`` rows of a Parquet or CSV slice read again by ``__key`` (``first``: the key of the slice's
    first row): the cells cleaned as the loader cleaned them (:func:`~trendkit.ingest.columns.clean_column`),
    under their header names. It holds the reader, never the slice's cells."""

    def refetch(keys: pl.Series) -> pl.DataFrame:
        frame = reread(keys - first)
        texts = {names[j]: text_of(clean_column(frame[f"c{j}"], codec, repetitive=False)) for j in js}
        return pl.DataFrame(texts).with_columns(keys.alias("__key"), frame["source_row"])

    return refetch


def _last_named(header: Header) -> int:
    return max((j for j, n in enumerate(header.names) if n), default=-1)


def _beyond_header(raw: RawSheet, header: Header, texts: dict[int, pl.Series]) -> list[fields.Problem]:
    """CSV rows with filled fields past the header's last column: rejected, never cut off."""
    last = _last_named(header)
    extra = [s.is_not_null() for j, s in texts.items() if j > last]
    if not raw.fixed_width or not extra:
        return []
    mask = pl.DataFrame(extra).select(pl.any_horizontal(pl.all())).to_series() if len(extra) > 1 else extra[0]
    reason = (
        f"the row has more fields than the header ({last + 1}); a value probably contains an unquoted "
        "separator (e.g. 2,5 in a comma-separated file) — put it in quotes or use ';' as the separator"
    )
    return [fields.Problem("row", mask, reason, "too_many_fields")]


def _stray_quotes(raw: RawSheet, body: pl.DataFrame) -> list[fields.Problem]:
    """CSV rows whose quote is never closed (the file was read with quotes as plain characters)."""
    if not raw.stray_quotes:
        return []
    mask = body.get_column("source_row").is_in(list(raw.stray_quotes))
    reason = 'a quote (") opens a field that this line never closes; the row was read without quotes — fix the quote'
    return [fields.Problem("row", mask, reason, "stray_quote")]


def _skipped(raw: RawSheet, header: Header, body: pl.DataFrame, blank: pl.Series, skip: pl.Series) -> pl.DataFrame:
    """Blank rows, total rows and the column-number row under the header."""
    kinds = pl.when(pl.Series(blank)).then(pl.lit("blank")).otherwise(pl.lit("total"))
    skipped = pl.DataFrame({"source_row": body.get_column("source_row")}).with_columns(kind=kinds).filter(skip)
    if header.skip:
        numbers = pl.DataFrame(
            {
                "source_row": raw.frame["source_row"].slice(header.first_row + header.n_rows, header.skip),
                "kind": ["column_numbers"] * header.skip,
            }
        )
        skipped = pl.concat([numbers, skipped])
    return skipped.with_columns(
        pl.lit(raw.source).alias("source_file"), pl.lit(raw.sheet, dtype=pl.String).alias("source_sheet")
    ).select(SKIPPED_COLUMNS)


def _distinct(ids: pl.Series) -> bool:
    """Whether no id repeats: ids in strictly increasing order (the usual export) need one comparison
    with their neighbours; otherwise distinct 64-bit hashes prove it (equal hashes send the ids to the
    exact check).

    >>> _distinct(pl.Series(["A1", "A2", "B1"])), _distinct(pl.Series(["B1", "A1", "B1"]))
    (True, False)
    >>> _distinct(pl.Series(["A1", "A1", "B1"])), _distinct(pl.Series(["A1", None, "A1"]))
    (False, False)
    """
    if ids.len() < 2:
        return True
    if (ids.slice(0, ids.len() - 1) < ids.slice(1)).fill_null(False).all():
        return True
    hashes = ids.hash()
    return hashes.n_unique() == hashes.len()


def _combine(parts: list[_SheetResult], skipped_files: list[tuple[str, str]] | None = None) -> LoadResult:
    """Every sheet's results as one LoadResult: duplicates resolved (the last occurrence wins), the
    rejected rows with their original cells, and the row accounting per file and sheet."""
    loaded = [p for p in parts if p.cases is not None]
    tables = [p.cases for p in loaded]
    # sheets alike (the slices of a big Parquet file, a month's files) are stacked without a copy;
    # "diagonal_relaxed" makes one of every column
    same = all(t.schema == tables[0].schema for t in tables)
    cases = pl.concat(tables, how="vertical" if same else "diagonal_relaxed")
    problems = pl.concat([p.problems for p in loaded], how="vertical")
    dup, dup_keys = _duplicates(cases)
    if dup.height:
        problems = pl.concat([problems, _duplicate_problems(dup, dup_keys)])
        cases = cases.filter(~pl.col("__key").is_in(dup_keys.implode()))
    rejected = _rejected(problems, loaded)
    if "province" in cases.columns and len(loaded) > 1:  # groups over every sheet, not each on its own
        cases = with_legacy_groups(_columns(cases, [c for c in cases.columns if c != "legacy_group"]))
    order = [c for c in CASE_SCHEMA if c in cases.columns] + [c for c in cases.columns if c not in CASE_SCHEMA]
    cases = _columns(cases, [c for c in order if c != "__key"])
    cases = cases.cast({k: v for k, v in CASE_SCHEMA.items() if k in cases.columns and cases.schema[k] != v})
    skipped = (
        pl.concat([p.skipped for p in parts if p.skipped is not None])
        if parts
        else pl.DataFrame(schema=dict.fromkeys(SKIPPED_COLUMNS, pl.String))
    )
    skipped_files_frame = pl.DataFrame(
        skipped_files or [], schema={"file": pl.String, "reason": pl.String}, orient="row"
    )
    files = _files_table(parts, rejected, dup_keys)
    return LoadResult(cases=cases, rejected=rejected, skipped=skipped, files=files, skipped_files=skipped_files_frame)


def _columns(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """``frame``'s columns ``names``, in that order, sharing their memory. ``drop`` and ``select``
    copied every column of the stacked slices of a 10 M-row Parquet file into one chunk (+1 GB)."""
    return pl.DataFrame([frame.get_column(n) for n in names])


def _duplicates(cases: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """Rows whose ``case_id`` comes again later in load order (``__i`` their position, ``wf``/``wr``
    the file and row that win), and their keys. When no id repeats (the usual case) that is all;
    otherwise 64-bit hashes find the candidates and the exact check runs on those few, so a hash
    collision can never make a false duplicate."""
    ids = cases.get_column("case_id")
    distinct = _distinct(ids)
    last = (cases.head(0) if distinct else cases).select("case_id", "source_file", "source_row").with_row_index("__i")
    if not distinct:
        last = last.filter(ids.hash().is_duplicated()).filter(pl.col("case_id").is_duplicated())
    winner = last.group_by("case_id").agg(
        pl.col("__i").max(),
        pl.col("source_file").last().alias("wf"),
        pl.col("source_row").last().alias("wr"),
        pl.len().alias("n"),
    )
    dup = last.join(winner.filter(pl.col("n") > 1), on="case_id", how="inner", suffix="_w").filter(
        pl.col("__i") != pl.col("__i_w")
    )
    dup_keys = cases["__key"].gather(dup["__i"]) if dup.height else pl.Series([], dtype=pl.Int64)
    return dup, dup_keys


def _duplicate_problems(dup: pl.DataFrame, dup_keys: pl.Series) -> pl.DataFrame:
    """One rejection per superseded row, naming the file and row that won."""
    reason = (
        REASONS_VI["duplicate"] + " / duplicate case_id '{}': superseded by {} row {} (the last occurrence is kept)"
    )
    return pl.DataFrame(
        {
            "__key": dup_keys,
            "column": pl.repeat("case_id", dup.height, eager=True),
            "value": dup["case_id"],
            "reason": dup.select(pl.format(reason, "case_id", "wf", "wr")).to_series(),
            "reason_code": pl.repeat("duplicate", dup.height, eager=True),
        }
    )


def _rejected(problems: pl.DataFrame, loaded: list[_SheetResult]) -> pl.DataFrame:
    """One row per rejected source row: its problems joined, and its original cells."""
    grouped = problems.group_by("__key", maintain_order=True).agg(
        pl.col("column").str.join(", "),
        pl.col("value").drop_nulls().str.join(" | "),
        pl.col("reason").str.join("; "),
        pl.col("reason_code").first(),
    )
    grouped = grouped.with_columns(pl.when(pl.col("value") != "").then(pl.col("value")).alias("value"))  # empty: null
    # the original cells of rejected rows only: filtering each sheet first spares a concat of every row
    originals = pl.concat(
        [
            p.originals(grouped["__key"]).with_columns(
                pl.lit(p.raw.source).alias("source_file"), pl.lit(p.raw.sheet, dtype=pl.String).alias("source_sheet")
            )
            for p in loaded
        ],
        how="diagonal_relaxed",
    )
    rejected = originals.join(grouped, on="__key", how="inner", maintain_order="left")
    return rejected.select(*REJECTED_COLUMNS, pl.exclude(*REJECTED_COLUMNS, "__key"))


#: The row accounting of each file and sheet.
FILES_SCHEMA = {
    "source_file": pl.String,
    "source_sheet": pl.String,
    "rows_read": pl.Int64,
    "accepted": pl.Int64,
    "rejected": pl.Int64,
    "skipped": pl.Int64,
    "duplicates": pl.Int64,
    "note": pl.String,
}


def _files_table(parts: list[_SheetResult], rejected: pl.DataFrame, dup_keys: pl.Series) -> pl.DataFrame:
    """Per file and sheet: rows read, accepted, rejected, skipped and duplicates, and its note."""
    rows: dict[tuple[str, str | None], list] = {}
    for p in parts:
        f, s = p.raw.source, p.raw.sheet
        acc, skipped = (0, p.rows_read) if p.cases is None else (_accepted(p.cases, dup_keys), p.skipped.height)
        if (f, s) in rows:  # the next slice of a big Parquet or CSV file: one line per file all the same
            for i, n in ((2, p.rows_read), (3, acc), (5, skipped)):
                rows[f, s][i] += n
        elif p.cases is None:
            rows[f, s] = [f, s, p.rows_read, 0, 0, skipped, 0, f"sheet skipped: {p.note}"]
        else:
            rej = rejected.filter((pl.col("source_file") == f) & (pl.col("source_sheet").eq_missing(s)))
            dups = rej.filter(pl.col("reason_code") == "duplicate").height
            rows[f, s] = [f, s, p.rows_read, acc, rej.height, skipped, dups, p.note]
    return pl.DataFrame(list(rows.values()), schema=FILES_SCHEMA, orient="row")


def _accepted(cases: pl.DataFrame, dup_keys: pl.Series) -> int:
    """A sheet's cases less its rows superseded by a later duplicate (keys of a sheet are one range),
    counted without copying the case table."""
    if not cases.height:
        return 0
    keys = cases.get_column("__key")
    return cases.height - int(dup_keys.is_between(keys.min(), keys.max()).sum())
