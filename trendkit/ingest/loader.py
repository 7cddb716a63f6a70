"""``load_cases``: messy provincial extracts in, canonical case table out, nothing lost.

Every data row of every file ends up in exactly one of three places:

* ``LoadResult.cases`` — normalised into the canonical columns (see ``CASE_SCHEMA``);
* ``LoadResult.rejected`` — with its original values, ``source_file``, ``source_row`` (the
  row number a spreadsheet user sees), ``column``, ``reason`` and a short ``reason_code``;
* ``LoadResult.skipped`` — blank rows, total/subtotal rows ("Cộng", "Tổng cộng") and
  column-number rows, counted and kept so nothing disappears silently.

Duplicate case ids: when the same ``case_id`` appears more than once (in one file or in
several), the **last** occurrence in load order wins — files are loaded in the order given,
folders in file-name order, so a later monthly extract corrects an earlier one — and every
earlier occurrence goes to ``rejected`` with ``reason_code == "duplicate"`` and the file and
row that superseded it.

Normalising is done once per distinct value (a month of cases has a few hundred distinct
province spellings, not a million), then joined back, so large extracts load quickly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from trendkit.errors import TrendkitInputError, UnknownProvinceError
from trendkit.geo.gazetteer import resolve_place
from trendkit.geo.provinces import MERGER_DATE, resolve_province
from trendkit.ingest.headers import CANONICAL_FIELDS, Header, find_header
from trendkit.ingest.parse import parse_amount, parse_date
from trendkit.ingest.readers import RawSheet, discover, read_file
from trendkit.ingest.vocab import (
    CHANNEL_VALUES,
    CHANNELS,
    COMMODITIES,
    OUTCOME_VALUES,
    OUTCOMES,
    VIOLATION_VALUES,
    VIOLATIONS,
    match,
)
from trendkit.text import clean_text, fold

__all__ = ["CASE_SCHEMA", "LoadResult", "LoadSummary", "load_cases"]

Source = str | Path | Sequence[str | Path]

CASE_SCHEMA: dict[str, pl.DataType] = {
    "case_id": pl.String(),
    "detected_on": pl.Date(),
    "province": pl.String(),
    "province_code": pl.String(),
    "province_legacy": pl.String(),
    "channel": pl.Enum(CHANNEL_VALUES),
    "violation": pl.Enum(VIOLATION_VALUES),
    "commodity": pl.String(),
    "commodity_raw": pl.String(),
    "goods_value_vnd": pl.Float64(),
    "place_id": pl.String(),
    "place_raw": pl.String(),
    "outcome": pl.Enum(OUTCOME_VALUES),
    "channel_raw": pl.String(),
    "violation_raw": pl.String(),
    "outcome_raw": pl.String(),
    "source_file": pl.String(),
    "source_sheet": pl.String(),
    "source_row": pl.Int64(),
}
REJECTED_COLUMNS = ("source_file", "source_sheet", "source_row", "column", "reason", "reason_code")
SKIPPED_COLUMNS = ("source_file", "source_sheet", "source_row", "kind")

_TOTAL_RE = re.compile(r"^(?:tong cong|tong so|tong|cong|total|sub ?total|luy ke|cong don)(?: |$)")
_CHANNEL_HINT = "đường bộ/road, đường biển/sea, hàng không/air, đường sắt/rail, bưu chính/post, nội địa/inland"


# --- result objects ------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadSummary:
    """Row accounting per file and rejections by reason. Text with ``str()``, HTML in Jupyter."""

    files: pl.DataFrame
    reasons: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """Per file and sheet: rows_read, accepted, rejected, skipped, duplicates, note."""
        return self.files

    def __str__(self) -> str:
        t = self.files.select(pl.col("rows_read", "accepted", "rejected", "skipped", "duplicates").sum()).row(0)
        lines = [
            f"Đã đọc / read {t[0]} rows from {self.files['source_file'].n_unique()} file(s): "
            f"{t[1]} accepted, {t[2]} rejected ({t[4]} duplicates), {t[3]} skipped"
        ]
        for r in self.files.iter_rows(named=True):
            where = r["source_file"] + (f" [{r['source_sheet']}]" if r["source_sheet"] else "")
            note = f"  — {r['note']}" if r["note"] else ""
            lines.append(
                f"  {where}: {r['rows_read']} read, {r['accepted']} accepted, {r['rejected']} rejected, "
                f"{r['skipped']} skipped, {r['duplicates']} duplicates{note}"
            )
        if self.reasons.height:
            lines.append("Rejected by reason / lý do loại:")
            for r in self.reasons.iter_rows(named=True):
                lines.append(f"  {r['source_file']}: {r['reason_code']} × {r['rows']}")
        return "\n".join(lines)

    def summary(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        head = html.escape(str(self).splitlines()[0])
        return f"<p>{head}</p>{_html_table(self.files)}{_html_table(self.reasons) if self.reasons.height else ''}"


@dataclass(frozen=True)
class LoadResult:
    """What :func:`load_cases` returns: accepted cases, rejected rows, skipped rows."""

    cases: pl.DataFrame
    rejected: pl.DataFrame
    skipped: pl.DataFrame
    files: pl.DataFrame = field(repr=False)

    def summary(self) -> LoadSummary:
        reasons = (
            self.rejected.group_by("source_file", "reason_code")
            .agg(pl.len().alias("rows"))
            .sort("source_file", "reason_code")
            if self.rejected.height
            else pl.DataFrame(schema={"source_file": pl.String, "reason_code": pl.String, "rows": pl.UInt32})
        )
        return LoadSummary(self.files, reasons)

    def to_frame(self) -> pl.DataFrame:
        return self.cases

    def __repr__(self) -> str:
        return f"LoadResult(cases={self.cases.height}, rejected={self.rejected.height}, skipped={self.skipped.height})"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _html_table(df: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in df.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- the loader ----------------------------------------------------------------------------


def load_cases(
    source: Source,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
) -> LoadResult:
    """Load case extracts (.xlsx, .csv, .parquet) into the canonical case table.

    Parameters
    ----------
    source
        A file, a list of files, or a folder (every .xlsx/.xlsm/.csv/.tsv/.txt/.parquet in
        it, in name order).
    columns
        Extra header mappings, ``{"their header": "canonical_name"}``; canonical names are
        ``case_id``, ``detected_on``, ``province``, ``channel``, ``violation``,
        ``commodity_raw``, ``goods_value_vnd``, ``outcome`` and ``place_raw``.
    sheet
        Only this sheet (name or 0-based index) of each workbook; default every sheet.

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
    user = _user_columns(columns)
    parts: list[_SheetResult] = []
    key_offset = 0
    for path in discover(list(source) if isinstance(source, list | tuple) else source):
        sheets = read_file(path, sheet=sheet)
        file_parts = []
        for raw in sheets:
            header = find_header(raw.preview(), user, fixed_row=0 if raw.header_given else None)
            if header is None:
                file_parts.append(_SheetResult.empty(raw, "no case table found in this sheet"))
                continue
            _require(raw, header)
            result = _normalise(raw, header, key_offset)
            key_offset += raw.frame.height
            file_parts.append(result)
        if all(p.cases is None for p in file_parts):
            raise TrendkitInputError(
                f"{path.name}: no recognisable header row in the first 40 rows"
                + (f" of any sheet ({', '.join(str(r.sheet) for r in sheets)})" if len(sheets) > 1 else "")
                + "; expected headers such as 'Mã vụ việc', 'Ngày phát hiện', 'Tỉnh/TP', 'Tuyến', "
                "'Trị giá' — map others with columns={'your header': 'detected_on'}"
            )
        parts.extend(file_parts)
    return _combine(parts)


def _user_columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    user: dict[str, str] = {}
    for theirs, ours in (columns or {}).items():
        if ours not in CANONICAL_FIELDS:
            raise ValueError(
                f"columns={{{theirs!r}: {ours!r}}}: {ours!r} is not a canonical column; "
                f"expected one of {', '.join(CANONICAL_FIELDS)}"
            )
        user[fold(theirs)] = ours
        user[fold(re.sub(r"\([^)]*\)", " ", theirs))] = ours
    return user


def _require(raw: RawSheet, header: Header) -> None:
    found = set(header.fields.values())
    for need, example in (("detected_on", "Ngày phát hiện"), ("province", "Tỉnh/TP")):
        if need not in found:
            shown = ", ".join(f"'{n}'" for n in header.names if n) or "none"
            raise TrendkitInputError(
                f"{raw.label}: the header (row {header.first_row + 1}) has no column for {need} "
                f"(e.g. '{example}'); found {shown}. Map yours with columns={{'your header': '{need}'}}"
            )


@dataclass
class _SheetResult:
    raw: RawSheet
    cases: pl.DataFrame | None
    original: pl.DataFrame | None  # original cell text by header name, keyed by __key
    problems: pl.DataFrame | None  # __key, column, reason, reason_code
    skipped: pl.DataFrame | None
    rows_read: int = 0
    note: str = ""

    @classmethod
    def empty(cls, raw: RawSheet, note: str) -> _SheetResult:
        return cls(raw, None, None, None, None, 0, note)


def _unique_names(header: Header) -> list[str]:
    from openpyxl.utils import get_column_letter

    names: list[str] = []
    for j, name in enumerate(header.names):
        base = name or f"cột {get_column_letter(j + 1)}"
        candidate, k = base, 2
        while candidate in names or candidate in CASE_SCHEMA or candidate.startswith("__"):
            candidate, k = f"{base} ({k})", k + 1
        names.append(candidate)
    return names


def _clean_column(s: pl.Series, codec: str) -> pl.Series:
    """NFC, trimmed, TCVN3 repaired; empty strings become null. Python runs once per distinct non-ASCII value."""
    s = s.str.strip_chars()
    s = s.set(s == "", None) if s.null_count() < s.len() else s
    needs = s.drop_nulls().filter(s.drop_nulls().str.contains(r"[^\x00-\x7f]|\s\s"))
    if needs.len():
        uniq = needs.unique()
        s = s.replace({u: clean_text(u, codec) for u in uniq.to_list()})
    return s


def _lookup(
    s: pl.Series, fn: Callable[[str], tuple[Any, ...]], names: Sequence[str], dtypes: Sequence[pl.DataType]
) -> pl.DataFrame:
    """Apply ``fn`` once per distinct value of ``s``; one output column per name."""
    uniq = s.drop_nulls().unique().to_list()
    results = [fn(u) for u in uniq]
    cols = {}
    for i, (name, dtype) in enumerate(zip(names, dtypes, strict=True)):
        cols[name] = s.replace_strict(uniq, [r[i] for r in results], default=None, return_dtype=dtype)
    return pl.DataFrame(cols)


def _province(text: str) -> tuple[str | None, str | None, str | None, bool, str | None]:
    try:
        m = resolve_province(text)
    except UnknownProvinceError as exc:
        return None, None, None, False, str(exc)
    return m.name_2025, m.code_2025, m.legacy, m.legacy_is_also_2025, None


def _channel(text: str) -> tuple[str | None, str | None]:
    found = match(CHANNELS, text)
    return found, None if found else f"'{text}' is not a known transport channel; expected {_CHANNEL_HINT}"


def _normalise(raw: RawSheet, header: Header, key_offset: int) -> _SheetResult:
    body = raw.frame.slice(header.data_start)
    names = _unique_names(header)
    width = len(header.names)
    label_file, label_sheet = raw.path.name, raw.sheet
    texts = {j: _clean_column(body.get_column(f"c{j}"), raw.codec) for j in range(width) if f"c{j}" in body.columns}
    original = pl.DataFrame({names[j]: s for j, s in texts.items()}).with_columns(
        pl.int_range(key_offset, key_offset + body.height, dtype=pl.Int64).alias("__key"),
        body.get_column("source_row"),
    )
    blank = (
        pl.DataFrame({str(j): s.is_null() for j, s in texts.items()}).select(pl.all_horizontal(pl.all())).to_series()
        if texts
        else pl.Series([True] * body.height, dtype=pl.Boolean)
    )

    col_of = {f: j for j, f in header.fields.items()}
    hdr = {f: names[j] for f, j in col_of.items()}

    def field(f: str) -> pl.Series:
        return texts[col_of[f]] if f in col_of else pl.Series([None] * body.height, dtype=pl.String)

    out: dict[str, pl.Series] = {}
    problems: list[pl.DataFrame] = []

    def problem(mask: pl.Series, f: str, reason: pl.Series | str, code: str) -> None:
        idx = mask & ~blank
        if idx.any():
            reasons = (
                reason.filter(idx) if isinstance(reason, pl.Series) else pl.repeat(reason, int(idx.sum()), eager=True)
            )
            problems.append(
                pl.DataFrame(
                    {
                        "__key": original["__key"].filter(idx),
                        "__pos": pl.repeat(col_of.get(f, -1), int(idx.sum()), eager=True, dtype=pl.Int64),
                        "column": pl.repeat(hdr.get(f, f), int(idx.sum()), eager=True),
                        "reason": reasons,
                        "reason_code": pl.repeat(code, int(idx.sum()), eager=True),
                    }
                )
            )

    # detected_on
    d_raw = field("detected_on")
    d = _lookup(d_raw, parse_date, ["v", "e"], [pl.Date(), pl.String()])
    out["detected_on"] = d["v"]
    problem(
        d_raw.is_null(),
        "detected_on",
        "the date is empty; expected a day/month/year date such as 12/01/2021",
        "date_missing",
    )
    problem(d["e"].is_not_null(), "detected_on", d["e"], "date_invalid")

    # total / subtotal rows: no usable date and a cell that starts with Cộng/Tổng cộng/Total
    total = pl.Series([False] * body.height, dtype=pl.Boolean)
    suspects = (~blank & out["detected_on"].is_null()).arg_true().to_list()
    if suspects:
        flags = total.to_list()
        for i in suspects:
            if any(_TOTAL_RE.match(fold(s[i])) for s in texts.values() if s[i] is not None):
                flags[i] = True
        total = pl.Series(flags, dtype=pl.Boolean)
    skip_mask = blank | total

    # province (both layouts)
    p_raw = field("province")
    p = _lookup(
        p_raw,
        _province,
        ["name", "code", "legacy", "ambiguous", "e"],
        [pl.String(), pl.String(), pl.String(), pl.Boolean(), pl.String()],
    )
    after_merger = out["detected_on"] >= dt.date.fromisoformat(MERGER_DATE)
    out["province"], out["province_code"] = p["name"], p["code"]
    out["province_legacy"] = p.select(
        pl.when(pl.col("ambiguous") & after_merger).then(None).otherwise(pl.col("legacy"))
    ).to_series()
    problem(
        p_raw.is_null(),
        "province",
        "the province is empty; expected a province name such as Lạng Sơn",
        "province_missing",
    )
    problem(p["e"].is_not_null(), "province", p["e"], "province_unknown")

    # goods value, in the column's unit; numeric Excel cells are used as stored
    v_raw = field("goods_value_vnd")
    unit = header.units.get(col_of.get("goods_value_vnd", -1), 1.0)
    # fast path, vectorised: plain digits or dot-grouped thousands ("1.234.567")
    plain = v_raw.str.contains(r"^(?:\d+|\d{1,3}(?:\.\d{3})+)$").fill_null(False)
    v = _lookup(v_raw.set(plain, None), lambda t: parse_amount(t, unit), ["v", "e"], [pl.Float64(), pl.String()])
    v = v.with_columns(
        pl.when(plain)
        .then(v_raw.str.replace_all(".", "", literal=True).cast(pl.Float64, strict=False) * unit)
        .otherwise(pl.col("v"))
        .alias("v")
    )
    shadow = f"n{col_of['goods_value_vnd']}" if "goods_value_vnd" in col_of else None
    if shadow and shadow in body.columns:
        num = body.get_column(shadow) * unit
        out["goods_value_vnd"] = num.fill_null(v["v"])
        v_err = v["e"].set(num.is_not_null(), None) if num.is_not_null().any() else v["e"]
        problem(
            num < 0, "goods_value_vnd", "the value is negative; expected a value of goods of 0 or more", "value_invalid"
        )
    else:
        out["goods_value_vnd"], v_err = v["v"], v["e"]
    # VND has no subunit in use: whole đồng, so 12.345 (triệu) is 12345000, not 12344999.999999998
    out["goods_value_vnd"] = out["goods_value_vnd"].round(0)
    problem(v_err.is_not_null(), "goods_value_vnd", v_err, "value_invalid")

    # channel: blank -> unknown; words it does not know are rejected, not guessed
    c_raw = field("channel")
    c = _lookup(c_raw, _channel, ["v", "e"], [pl.String(), pl.String()])
    out["channel"] = c["v"].fill_null("unknown")  # rows with an error are rejected below
    problem(c["e"].is_not_null(), "channel", c["e"], "channel_unknown")

    # violation, outcome, commodity: unknown words keep their raw text and fall into other/unknown
    for f, table, fallback in (("violation", VIOLATIONS, "other"), ("outcome", OUTCOMES, "unknown")):
        s = field(f)
        out[f] = _lookup(s, lambda t, tb=table: (match(tb, t),), ["v"], [pl.String()])["v"].fill_null(fallback)
        out[f"{f}_raw"] = s
    out["channel_raw"] = c_raw
    com = field("commodity_raw")
    out["commodity_raw"] = com
    out["commodity"] = _lookup(com, lambda t: (match(COMMODITIES, t) or "other",), ["v"], [pl.String()])["v"]
    place = field("place_raw")
    out["place_raw"] = place
    out["place_id"] = _lookup(place, lambda t: (resolve_place(t),), ["v"], [pl.String()])["v"]

    # case id: from the source, else a stable hash of the row's text (+ occurrence number)
    cid = field("case_id")
    if cid.null_count():
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
        cid = cid.scatter(need.arg_true(), hashed) if hashed else cid
    out["case_id"] = cid

    prob = (
        pl.concat(problems).sort("__key", "__pos").drop("__pos")
        if problems
        else pl.DataFrame(
            schema={"__key": pl.Int64, "column": pl.String, "reason": pl.String, "reason_code": pl.String}
        )
    )
    prob = prob.filter(~pl.col("__key").is_in(original["__key"].filter(skip_mask).implode()))
    bad_keys = prob["__key"].unique()
    cases = pl.DataFrame(out).with_columns(
        pl.lit(label_file).alias("source_file"),
        pl.lit(label_sheet, dtype=pl.String).alias("source_sheet"),
        body.get_column("source_row"),
        original["__key"],
    )
    extras = [names[j] for j in texts if j not in header.fields]
    cases = pl.concat([cases, original.select(extras)], how="horizontal")
    keep = ~skip_mask & ~original["__key"].is_in(bad_keys.implode())
    cases = cases.filter(keep)
    kinds = pl.when(pl.Series(blank)).then(pl.lit("blank")).otherwise(pl.lit("total"))
    skipped = pl.DataFrame({"source_row": body.get_column("source_row")}).with_columns(kind=kinds).filter(skip_mask)
    if header.skip:
        skipped = pl.concat(
            [
                pl.DataFrame(
                    {
                        "source_row": raw.frame["source_row"].slice(header.first_row + header.n_rows, header.skip),
                        "kind": ["column_numbers"] * header.skip,
                    }
                ),
                skipped,
            ]
        )
    skipped = skipped.with_columns(
        pl.lit(label_file).alias("source_file"), pl.lit(label_sheet, dtype=pl.String).alias("source_sheet")
    )
    return _SheetResult(raw, cases, original, prob, skipped.select(SKIPPED_COLUMNS), body.height + header.skip)


def _combine(parts: list[_SheetResult]) -> LoadResult:
    loaded = [p for p in parts if p.cases is not None]
    cases = pl.concat([p.cases for p in loaded], how="diagonal_relaxed")
    problems = pl.concat([p.problems for p in loaded], how="vertical")
    originals = pl.concat(
        [
            p.original.with_columns(
                pl.lit(p.raw.path.name).alias("source_file"), pl.lit(p.raw.sheet, dtype=pl.String).alias("source_sheet")
            )
            for p in loaded
        ],
        how="diagonal_relaxed",
    )

    # duplicates: the last occurrence in load order wins
    last = cases.select("case_id", "source_file", "source_row").with_row_index("__i")
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
    if dup.height:
        problems = pl.concat(
            [
                problems,
                pl.DataFrame(
                    {
                        "__key": dup_keys,
                        "column": pl.repeat("case_id", dup.height, eager=True),
                        "reason": dup.select(
                            pl.format(
                                "duplicate case_id '{}': superseded by {} row {} (the last occurrence is kept)",
                                "case_id",
                                "wf",
                                "wr",
                            )
                        ).to_series(),
                        "reason_code": pl.repeat("duplicate", dup.height, eager=True),
                    }
                ),
            ]
        )
        cases = cases.filter(~pl.col("__key").is_in(dup_keys.implode()))

    grouped = problems.group_by("__key", maintain_order=True).agg(
        pl.col("column").str.join(", "), pl.col("reason").str.join("; "), pl.col("reason_code").first()
    )
    rejected = originals.join(grouped, on="__key", how="inner", maintain_order="left")
    rejected = rejected.select(*REJECTED_COLUMNS, pl.exclude(*REJECTED_COLUMNS, "__key"))
    cases = cases.select(*[c for c in CASE_SCHEMA if c in cases.columns], pl.exclude(*CASE_SCHEMA, "__key")).cast(
        {k: v for k, v in CASE_SCHEMA.items() if k in cases.columns}
    )
    skipped = (
        pl.concat([p.skipped for p in loaded])
        if loaded
        else pl.DataFrame(schema=dict.fromkeys(SKIPPED_COLUMNS, pl.String))
    )

    rows = []
    for p in parts:
        f, s = p.raw.path.name, p.raw.sheet
        if p.cases is None:
            rows.append((f, s, 0, 0, 0, 0, 0, p.note))
            continue
        acc = cases.filter((pl.col("source_file") == f) & (pl.col("source_sheet").eq_missing(s))).height
        rej = rejected.filter((pl.col("source_file") == f) & (pl.col("source_sheet").eq_missing(s)))
        sk = p.skipped.height
        rows.append(
            (f, s, p.rows_read, acc, rej.height, sk, rej.filter(pl.col("reason_code") == "duplicate").height, p.note)
        )
    files = pl.DataFrame(
        rows,
        schema={
            "source_file": pl.String,
            "source_sheet": pl.String,
            "rows_read": pl.Int64,
            "accepted": pl.Int64,
            "rejected": pl.Int64,
            "skipped": pl.Int64,
            "duplicates": pl.Int64,
            "note": pl.String,
        },
        orient="row",
    )
    return LoadResult(cases=cases, rejected=rejected, skipped=skipped, files=files)
