"""A sheet's columns cleaned and normalised, two columns at a time.

Each column is one job: clean its cells (:func:`clean_column`), then run its field's normaliser
from :mod:`~trendkit.ingest.fields`. The jobs run on two threads — polars releases the GIL, so one
column's hashing overlaps another column's Python word matching — the longest first (the value
column). Province waits for the dates: a merged province's legacy name depends on the detection date.

>>> import polars as pl
>>> from trendkit.ingest.coded import text_of
>>> from trendkit.ingest.headers import Header
>>> body = pl.DataFrame({"c0": ["12/03/2021", " 13/03/2021"], "c1": ["Tỉnh Lạng Sơn", "Lào Cai  "]})
>>> header = Header(0, 1, ["Ngày", "Tỉnh"], {0: "detected_on", 1: "province"})
>>> cells, norm = normalise_columns(body, header, "latin-1")
>>> text_of(cells[0]).to_list(), norm.columns["province"].to_list()
(['12/03/2021', '13/03/2021'], ['Lạng Sơn', 'Lào Cai'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import polars as pl

from trendkit.ingest import fields
from trendkit.ingest.coded import Cells, Coded, categorical_of, worth_coding
from trendkit.ingest.fields import PLAIN_AMOUNT
from trendkit.ingest.headers import Header
from trendkit.text import clean_text

__all__ = ["clean_column", "normalise_columns"]

#: Cells that may need cleaning: empty, white space at an end or twice, or not ASCII.
_UNCLEAN = r"^(?:\s|$)|\s$|\s\s|[^\x00-\x7f]"
#: ASCII white space (Python's str.split splits on it).
_ASCII_SPACE = r"[\t-\r\x1c-\x1f ]"


def clean_column(cells: pl.Series, codec: str, *, repetitive: bool, clean: pl.Series | None = None) -> Cells:
    """A column NFC, trimmed, TCVN3/VNI repaired, empty cells null.

    A ``repetitive`` column (a few hundred spellings over many rows) is :class:`Coded`: Python
    cleans each distinct value once, polars gives each row its index, and nothing is copied when
    nothing changes. In a column of ids or amounts (nearly all distinct) polars finds the cells that
    may need cleaning (or ``clean`` says which rows are known to be clean already), and only those
    go through Python, each distinct one once.

    >>> clean_column(pl.Series([" Lạng Sơn ", "", "A1", None]), "latin-1", repetitive=False).to_list()
    ['Lạng Sơn', None, 'A1', None]
    """

    def tidy(text: str) -> str | None:
        if text.isascii() and " ".join(text.split()) == text:  # already clean, the usual case: no regex
            return text or None
        return clean_text(text, codec) or None

    if repetitive:
        return Coded.of(cells, tidy)
    rows = (~clean & cells.is_not_null()).arg_true() if clean is not None else _unclean_rows(cells)
    if not rows.len():
        return cells
    return cells.clone().scatter(rows, Coded.of(cells.gather(rows), tidy).text)


def _unclean_rows(cells: pl.Series) -> pl.Series:
    """The rows whose cell may need cleaning (:data:`_UNCLEAN`). Three cheap tests first — empty, not
    ASCII (more bytes than characters), any white space — and the regex only on the rows they flag:
    ids and amounts rarely hold white space, so a clean column costs a third of the regex."""
    size = cells.str.len_bytes()
    maybe = ((size == 0) | (size != cells.str.len_chars()) | cells.str.contains(_ASCII_SPACE)).fill_null(False)
    rows = maybe.arg_true()
    return rows.filter(cells.gather(rows).str.contains(_UNCLEAN)) if rows.len() else rows


def normalise_columns(
    body: pl.DataFrame,
    header: Header,
    codec: str,
    words: Mapping[str, Mapping[str, str]] | None = None,
    window: tuple[dt.date, dt.date] | None = None,
    conversions: Mapping[str, tuple[str, float]] | None = None,
) -> tuple[dict[int, Cells], fields.Normalised]:
    """Every column of ``body`` (``c0``, ``c1`` …) cleaned, and every canonical field normalised.

    Returns the cleaned cells by column number, and the fields' output columns and problems.
    ``words`` are the analyst's own words by field (``load_cases(values=...)``), ``conversions`` their
    unit conversions (``values={"conversion": ...}``).
    """
    present = [j for j in range(len(header.names)) if f"c{j}" in body.columns]
    coded = _coding_plan(body, present)
    col_of = {f: j for j, f in header.fields.items() if j in coded}
    cells: dict[int, Cells] = {}
    empty = pl.repeat(None, body.height, dtype=pl.String, eager=True)

    def column(j: int) -> Cells:
        cells[j] = clean_column(body.get_column(f"c{j}"), codec, repetitive=coded[j])
        return cells[j]

    def field(f: str) -> Cells:
        return column(col_of[f]) if f in col_of else empty

    mine = (words or {}).get
    unit = header.units.get(col_of.get("goods_value_vnd", -1), 1.0)
    shadow = f"n{col_of['goods_value_vnd']}" if "goods_value_vnd" in col_of else None
    numeric = body.get_column(shadow) if shadow in body.columns else None

    def amounts() -> fields.Normalised:
        if "goods_value_vnd" not in col_of or coded[col_of["goods_value_vnd"]]:
            return fields.goods_value(field("goods_value_vnd"), unit, numeric)
        j = col_of["goods_value_vnd"]  # a plain amount is clean: one regex serves both steps
        plain = body.get_column(f"c{j}").str.contains(PLAIN_AMOUNT).fill_null(False)
        cells[j] = clean_column(body.get_column(f"c{j}"), codec, repetitive=False, clean=plain)
        return fields.goods_value(cells[j], unit, numeric, plain=plain)

    words_of: list[Callable[[], fields.Normalised]] = [
        lambda: fields.channel(field("channel"), mine("channel")),
        lambda: fields.violation(field("violation"), mine("violation")),
        lambda: fields.outcome(field("outcome"), mine("outcome")),
        lambda: fields.place(field("place_raw"), mine("place_kind")),
    ]

    def goods() -> fields.Normalised:
        return fields.commodity(field("commodity_raw"), mine("commodity"))

    def quantities(kinds: Future[fields.Normalised]) -> fields.Normalised:
        if "quantity" not in col_of:
            return _no_quantities(empty)
        j = col_of["quantity"]
        shadow = body.get_column(f"n{j}") if f"n{j}" in body.columns else None
        found = (field("unit"), header.quantity_units.get(j), shadow, mine("unit"))
        cells[j], seized = _quantities(body.get_column(f"c{j}"), codec, found, kinds, conversions, coded[j])
        return seized

    def province() -> fields.Normalised:  # after the dates: a merged province's legacy name depends on them
        return fields.province(field("province"), when.result().columns["detected_on"], mine("province"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        # longest first, so neither thread idles at the end: amounts and quantities (after the commodities
        # they convert by), then dates (province waits for them), the other columns (ids), province, and
        # the short word lookups last
        value: Future[fields.Normalised] = pool.submit(amounts)
        kinds = pool.submit(goods)  # short, and the quantities wait for it: before them
        seized = pool.submit(quantities, kinds)
        when = pool.submit(lambda: fields.detected_on(field("detected_on"), window))
        rest = [pool.submit(column, j) for j in present if j not in col_of.values() or header.fields[j] == "case_id"]
        where = pool.submit(province)
        later = [pool.submit(job) for job in words_of]
        jobs = [when, where, value, kinds, seized, *later]
        parts = [f.result() for f in jobs]
        for f in rest:
            f.result()
    columns = {k: v for part in parts for k, v in part.columns.items()}
    return dict(sorted(cells.items())), fields.Normalised(columns, [p for part in parts for p in part.problems])


def _coding_plan(body: pl.DataFrame, present: list[int]) -> dict[int, bool]:
    """Whether each column is worth coding (:func:`~trendkit.ingest.coded.worth_coding`), sampled from a
    frame built from the columns' Series: a ``select`` copies every column when their chunks differ
    from ``source_row``'s (polars 2.1), 80 ms at a million rows."""
    plan = worth_coding(pl.DataFrame([body.get_column(f"c{j}") for j in present]))
    return {j: plan[f"c{j}"] for j in present}


def _quantities(
    raw: pl.Series,
    codec: str,
    units: tuple[Cells, str | None, pl.Series | None, Mapping[str, str] | None],
    kinds: Future[fields.Normalised],
    conversions: Mapping[str, tuple[str, float]] | None,
    repetitive: bool,
) -> tuple[Cells, fields.Normalised]:
    """The quantity column cleaned, its quantity and unit (``units``: the unit column, the header's unit,
    the numeric cells, the analyst's words), then — once the commodities (``kinds``) are known — the
    standard quantity. A ``repetitive`` column is coded and read once per distinct cell; otherwise a
    plain number is clean: one regex finds them, and only the other cells are cleaned in Python."""
    plain = None if repetitive else raw.str.contains(fields.PLAIN_QUANTITY).fill_null(False)
    cells = clean_column(raw, codec, repetitive=repetitive, clean=plain)
    column, header_unit, shadow, words = units
    q = fields.quantity(cells, column, header_unit, shadow, words, plain=plain)
    found = q.columns["quantity"], q.columns["unit"], kinds.result().columns["commodity"]
    std = fields.standard_quantity(*found, conversions)
    unit = {"unit": categorical_of(q.columns["unit"])}
    return cells, fields.Normalised(q.columns | std.columns | unit, q.problems + std.problems)


def _no_quantities(empty: pl.Series) -> fields.Normalised:
    """The quantity columns of a sheet without a quantity column: empty, never 0."""
    none = empty.cast(pl.Float64)
    text = empty.cast(pl.Categorical)
    return fields.Normalised({"quantity": none, "unit": text, "quantity_std": none, "unit_std": text})
