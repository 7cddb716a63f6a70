"""One normaliser per canonical field: cleaned cell text in, canonical columns and problems out.

Each function takes a String :class:`polars.Series` of cleaned cell text (null for an empty cell),
or the same column already :class:`~trendkit.ingest.coded.Coded`, and returns a
:class:`Normalised`: the canonical output columns, and the rows that must be rejected with their
reason. Python runs once per *distinct* value (:func:`lookup`), so a million rows with a few
hundred spellings normalise quickly. The loader composes these; each is testable alone.

>>> import polars as pl
>>> r = channel(pl.Series(["Đường bộ", "tàu vũ trụ", None]))
>>> r.columns["channel"].to_list()
['road', 'unknown', 'unknown']
>>> [(p.code, p.rows.to_list()) for p in r.problems]
[('channel_unknown', [False, True, False])]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import polars as pl

from trendkit.errors import UnknownProvinceError
from trendkit.geo.gazetteer import resolve_place
from trendkit.geo.provinces import MERGER_DATE, legacy_group, resolve_province
from trendkit.geo.regions import regions_of
from trendkit.ingest.coded import Cells, Coded, categorical_of, expand, text_of
from trendkit.ingest.parse import parse_amount, parse_date
from trendkit.ingest.quantity import LIMIT_OTHER, LIMITS, convert, parse_quantity, unit_of
from trendkit.ingest.vocab import (
    CHANNEL_VALUES,
    CHANNELS,
    COMMODITIES,
    COMMODITY_GROUP_VALUES,
    COMMODITY_GROUPS,
    COMMODITY_VALUES,
    GAZETTEER_KINDS,
    OUTCOMES,
    PLACE_KIND_VALUES,
    PLACE_KINDS,
    VIOLATIONS,
    Table,
    match,
)
from trendkit.text import fold
from trendkit.words import CHANNELS as CHANNEL_WORDS

__all__ = [
    "Normalised",
    "Problem",
    "category",
    "channel",
    "commodity",
    "detected_on",
    "goods_value",
    "lookup",
    "outcome",
    "place",
    "plausible_dates",
    "province",
    "quantity",
    "standard_quantity",
    "violation",
]

#: An amount polars parses alone: digits, or digits grouped by dots ("1.234.567"). ASCII digits only —
#: the regex's Unicode ``\d`` also matches full-width "１２３", which the cast turns into null.
PLAIN_AMOUNT = r"^(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)$"

#: The channels a unit may write, as the rejection reason lists them ("đường bộ/road, …").
_CHANNEL_HINT = ", ".join(f"{w.vi}/{w.en}" for key, w in CHANNEL_WORDS.items() if key != "unknown")


@dataclass(frozen=True)
class Problem:
    """Rows (a Boolean mask) of one field that must be rejected, with the reason and a short code."""

    field: str
    rows: pl.Series
    reason: pl.Series | str
    code: str


@dataclass(frozen=True)
class Normalised:
    """The canonical columns one field produces, and its problems."""

    columns: dict[str, pl.Series]
    problems: list[Problem] = field(default_factory=list)


def lookup(
    s: Cells, fn: Callable[[str], tuple[Any, ...]], names: Sequence[str], dtypes: Sequence[pl.DataType]
) -> pl.DataFrame:
    """Apply ``fn`` once per distinct non-null value of ``s``; one output column per name.

    One hash pass gives each row its index among the distinct values (none if ``s`` is already
    coded), then each output column is a gather — five times faster than one replace per output
    column on a million rows.

    >>> lookup(pl.Series(["a", "b", "a", None]), lambda t: (t.upper(),), ["v"], [pl.String()])["v"].to_list()
    ['A', 'B', 'A', None]
    """
    return (s if isinstance(s, Coded) else Coded.of(s)).map(fn, names, dtypes)


def plausible_dates(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The default window of detection dates: 1 January 2000 to the end of next year.

    >>> plausible_dates(dt.date(2026, 11, 30))
    (datetime.date(2000, 1, 1), datetime.date(2027, 12, 31))
    """
    today = today or dt.date.today()
    return dt.date(2000, 1, 1), dt.date(today.year + 1, 12, 31)


def detected_on(raw: Cells, window: tuple[dt.date, dt.date] | None = None) -> Normalised:
    """Day-first dates, ISO dates and Excel serials → Date; empty, impossible and implausible dates
    (outside ``window``, default :func:`plausible_dates`) are problems, never guessed.

    >>> r = detected_on(pl.Series(["12/03/2021", "31/02/2021", None, "31/12/9999"]))
    >>> r.columns["detected_on"].to_list()[0], [p.code for p in r.problems if p.rows.any()]
    (datetime.date(2021, 3, 12), ['date_missing', 'date_invalid', 'date_out_of_range'])
    """
    first, last = window or plausible_dates()
    text = text_of(raw)
    d = lookup(raw, parse_date, ["v", "e"], [pl.Date(), pl.String()])
    outside = ((d["v"] < first) | (d["v"] > last)).fill_null(False)
    why = (
        "'" + text + f"' is outside the plausible dates {first:%d/%m/%Y}–{last:%d/%m/%Y}; check the year "
        "(a typo?), or widen date_range="
        if outside.any()
        else ""  # built only when needed: a million string concatenations otherwise
    )
    return Normalised(
        {"detected_on": d["v"]},
        [
            Problem(
                "detected_on",
                text.is_null(),
                "the date is empty; expected a day/month/year date such as 12/01/2021",
                "date_missing",
            ),
            Problem("detected_on", d["e"].is_not_null(), d["e"], "date_invalid"),
            Problem("detected_on", outside, why, "date_out_of_range"),
        ],
    )


def _province(text: str, words: Words | None = None) -> tuple[str | None, ...]:
    try:
        m = resolve_province((words or {}).get(fold(text), text))
    except UnknownProvinceError as exc:
        return None, None, None, False, None, None, str(exc)
    return m.name_2025, m.code_2025, m.legacy, m.legacy_is_also_2025, *regions_of().get(m.name_2025, (None, None)), None


def province(raw: Cells, detected: pl.Series, words: Words | None = None) -> Normalised:
    """Any spelling → the 2025 province, its code, region and macro-region, and the legacy name
    when the record allows it. ``words`` are the analyst's own names (folded name → a province
    name), e.g. the customs unit that sent the extract.

    A name that is also a merged 2025 province keeps ``province_legacy`` only for cases detected
    before the merger (1 July 2025).

    >>> import datetime as dt
    >>> r = province(pl.Series(["Yên Bái", "Lào Cai"]), pl.Series([dt.date(2025, 8, 1)] * 2))
    >>> r.columns["province"].to_list(), r.columns["province_legacy"].to_list()
    (['Lào Cai', 'Lào Cai'], ['Yên Bái', None])
    """
    raw = raw if isinstance(raw, Coded) else Coded.of(raw)  # coded once: the legacy groups reuse it
    p = lookup(
        raw,
        lambda t: _province(t, words),
        ["name", "code", "legacy", "ambiguous", "region", "macro_region", "e"],
        [pl.String(), *[pl.Categorical()] * 2, pl.Boolean(), *[pl.Categorical()] * 2, pl.String()],
    )
    after_merger = detected >= dt.date.fromisoformat(MERGER_DATE)
    legacy = p.select(pl.when(pl.col("ambiguous") & after_merger).then(None).otherwise(pl.col("legacy"))).to_series()
    return Normalised(
        {
            "province": p["name"],
            "province_code": p["code"],
            "province_legacy": legacy,
            "legacy_group": _legacy_groups(raw, p["name"], legacy, words),
            "region": p["region"],
            "macro_region": p["macro_region"],
        },
        [
            Problem(
                "province",
                text_of(raw).is_null(),
                "the province is empty; expected a province name such as Lạng Sơn",
                "province_missing",
            ),
            Problem("province", p["e"].is_not_null(), p["e"], "province_unknown"),
        ],
    )


def _legacy_groups(raw: Cells, name: pl.Series, legacy: pl.Series, words: Words | None = None) -> pl.Series:
    """This sheet's :func:`~trendkit.geo.provinces.with_legacy_groups`, from the distinct spellings
    (read with the analyst's ``words``, as :func:`province` read them): the merged group ("Lào Cai +
    Yên Bái") for a 2025 province with cases that cannot be split."""
    unsplit = set(name.filter(legacy.is_null() & name.is_not_null()).unique().to_list())
    if not unsplit:
        return legacy

    def group(text: str) -> tuple[str | None]:
        found = _province(text, words)
        if found[0] in unsplit:
            return (legacy_group(found[0]),)
        return (found[2],)

    return lookup(raw, group, ["g"], [pl.Categorical()])["g"]


def goods_value(
    cells: Cells, unit: float = 1.0, numeric: pl.Series | None = None, *, plain: pl.Series | None = None
) -> Normalised:
    """Amounts as units write them → whole đồng, in the column's ``unit`` (1e6 for "triệu đồng").

    ``numeric`` holds the cells a spreadsheet stored as numbers; they are used as stored. ``plain``
    marks the cells already known to match ``PLAIN_AMOUNT`` (the loader finds them while cleaning).

    >>> goods_value(pl.Series(["1.234.567", "2 tỷ 300 triệu", "15"]), unit=1.0).columns["goods_value_vnd"].to_list()
    [1234567.0, 2300000000.0, 15.0]
    """
    raw = text_of(cells)
    # vectorised: plain digits or dot-grouped thousands ("1.234.567"); Python parses only the other
    # cells ("2 tỷ 300 triệu", "12,5"), each distinct one once, and puts them in their rows
    plain = raw.str.contains(PLAIN_AMOUNT).fill_null(False) if plain is None else plain
    value = raw.str.replace_all(".", "", literal=True).cast(pl.Float64, strict=False)
    value = value * unit if unit != 1.0 else value
    error = None  # the reason a cell is not an amount, built only when some cell is not plain
    odd = (~plain & raw.is_not_null()).arg_true()
    if odd.len():
        v = lookup(raw.gather(odd), lambda t: parse_amount(t, unit), ["v", "e"], [pl.Float64(), pl.String()])
        value = value.scatter(odd, v["v"])
        error = pl.repeat(None, raw.len(), dtype=pl.String, eager=True).scatter(odd, v["e"])
    problems = []
    if numeric is not None:
        num = numeric * unit
        value = num.fill_null(value)
        error = error.set(num.is_not_null(), None) if error is not None and num.is_not_null().any() else error
        problems.append(
            Problem(
                "goods_value_vnd",
                num < 0,
                "the value is negative; expected a value of goods of 0 or more",
                "value_invalid",
            )
        )
    # a stored NaN/infinity, or hundreds of digits that overflow a float
    problems.append(
        Problem(
            "goods_value_vnd",
            (value.is_nan() | value.is_infinite()).fill_null(False),
            "the value is not a finite number (NaN, infinity or too many digits); expected a value of goods in đồng",
            "value_invalid",
        )
    )
    # VND has no subunit in use: whole đồng, so 12.345 (triệu) is 12345000, not 12344999.999999998
    if error is not None:
        problems.append(Problem("goods_value_vnd", error.is_not_null(), error, "value_invalid"))
    whole = unit == 1.0 and error is None and numeric is None  # digits only: already whole đồng
    return Normalised({"goods_value_vnd": value if whole else value.round(0)}, problems)


Words = Mapping[str, str]  # the analyst's own words for one field: folded word -> canonical value


def _with_words(table: Table, words: Words | None) -> Callable[[str], str | None]:
    """Match ``words`` (the analyst's, from ``values=``) first, then the vocabulary."""
    return lambda t: (words or {}).get(fold(t)) or match(table, t)


def channel(raw: Cells, words: Words | None = None) -> Normalised:
    """Transport channel words → ``road``/``sea``/``air``/``rail``/``post``/``inland``; blank → ``unknown``.

    Words it does not know are rejected, not guessed (see the module example), unless ``words``
    maps them (``load_cases(values={"channel": {...}})``).
    """
    find = _with_words(CHANNELS, words)

    def one(text: str) -> tuple[str | None, str | None]:
        found = find(text)
        return found, None if found else f"'{text}' is not a known transport channel; expected {_CHANNEL_HINT}"

    c = lookup(raw, one, ["v", "e"], [pl.Enum(CHANNEL_VALUES), pl.String()])  # the case table's own type
    return Normalised(
        {"channel": c["v"].fill_null("unknown"), "channel_raw": categorical_of(raw)},
        [Problem("channel", c["e"].is_not_null(), c["e"], "channel_unknown")],
    )


def category(raw: Cells, name: str, table: Table, fallback: str, words: Words | None = None) -> Normalised:
    """Violation or outcome words → the canonical value; unknown words fall into ``fallback``.

    >>> category(pl.Series(["Buôn lậu", "lạ"]), "violation", VIOLATIONS, "other").columns["violation"].to_list()
    ['smuggling', 'other']
    """
    find = _with_words(table, words)
    values = pl.Enum(list(dict.fromkeys([*table, fallback])))  # the case table's own type: no cast later
    v = lookup(raw, lambda t: (find(t),), ["v"], [values])["v"].fill_null(fallback)
    return Normalised({name: v, f"{name}_raw": categorical_of(raw)})


def violation(raw: Cells, words: Words | None = None) -> Normalised:
    """Violation type (smuggling, illegal transport, trade fraud, …); unknown words → ``other``."""
    return category(raw, "violation", VIOLATIONS, "other", words)


def outcome(raw: Cells, words: Words | None = None) -> Normalised:
    """Handling outcome (administrative, criminal, referred, pending); unknown words → ``unknown``."""
    return category(raw, "outcome", OUTCOMES, "unknown", words)


def commodity(raw: Cells, words: Words | None = None) -> Normalised:
    """Goods description → a ``commodity`` (heroin, methamphetamine, cigarettes, fuel …) and its
    ``commodity_group`` (drugs, cigarettes, fuel …) from the shipped taxonomy
    (``trendkit/data/commodities.csv``); text it does not know → ``other`` (raw text kept in ``commodity_raw``).

    >>> r = commodity(pl.Series(["Ma tuý đá", "Thuốc lá điếu", "Túi xách", "đồ lạ", None]))
    >>> r.columns["commodity"].to_list()
    ['methamphetamine', 'cigarettes', 'textiles', 'other', 'other']
    >>> r.columns["commodity_group"].to_list()
    ['drugs', 'cigarettes', 'textiles', 'other', 'other']
    """
    find = _with_words(COMMODITIES, words)
    v = lookup(raw, lambda t: (find(t) or "other",), ["v"], [pl.Enum(COMMODITY_VALUES)])["v"].fill_null("other")
    # each commodity's group by its Enum code: a gather, not a million string lookups
    table = [COMMODITY_GROUPS.get(c, "other") for c in COMMODITY_VALUES]
    group = pl.Series(table, dtype=pl.Enum(COMMODITY_GROUP_VALUES)).gather(v.to_physical())
    return Normalised({"commodity": v, "commodity_group": group, "commodity_raw": categorical_of(raw)})


def quantity(
    cells: Cells,
    unit_cells: Cells,
    default_unit: str | None = None,
    numeric: pl.Series | None = None,
    words: Words | None = None,
    *,
    plain: pl.Series | None = None,
) -> Normalised:
    """Quantity cells ("17,3 kg", "24.000 viên") → ``quantity`` and ``unit``: the cell's own unit, else
    the unit column's (``unit_cells``, "Đơn vị tính"), else the header's (``default_unit``, from
    "Trọng lượng (kg)"). ``numeric`` holds the cells a spreadsheet stored as numbers; ``plain`` marks
    the cells already known to match :data:`PLAIN_QUANTITY`. Cells that are not one quantity
    (:func:`~trendkit.ingest.quantity.parse_quantity`) are problems.

    >>> r = quantity(pl.Series(["17,3 kg", "24.000", "khoảng 5 kg", None]), pl.Series([None, "Viên", "kg", None]))
    >>> r.columns["quantity"].to_list(), r.columns["unit"].to_list(), r.problems[0].rows.to_list()
    ([17.3, 24000.0, None, None], ['kg', 'viên', None, None], [False, False, True, False])
    """
    q = _quantities(cells, words, plain)
    value, error = q["q"], q["e"]
    negative = pl.repeat(False, value.len(), eager=True)
    if numeric is not None and numeric.is_not_null().any():
        value = numeric.fill_null(value)
        error = error.set(numeric.is_not_null(), None)
        negative = (numeric < 0).fill_null(False)
    unit = _units(q["u"], unit_cells, default_unit, words).set(value.is_null(), None)
    return Normalised(
        {"quantity": value, "unit": unit},
        [
            Problem("quantity", error.is_not_null(), error, "quantity_invalid"),
            Problem("quantity", negative, "negative; expected a quantity of 0 or more", "quantity_invalid"),
        ],
    )


def _units(own: pl.Series, column: Cells, default: str | None, words: Words | None) -> pl.Series:
    """Each row's unit as an Enum of the units seen: the cell's own, else the unit column's, else the
    header's. Built from the distinct values (a gather, no per-row hashing), so the standard quantity
    can be found by each row's integer code."""
    names: dict[str, int] = {}

    def code(unit: str) -> int:
        return names.setdefault(unit, len(names))

    coded = column if isinstance(column, Coded) else Coded.of(column)
    table = [None if v is None else code(unit_of(v, words) or v.lower()) for v in coded.values]
    none = pl.repeat(None, own.len(), dtype=pl.UInt32, eager=True)
    codes = pl.Series(table, dtype=pl.UInt32).gather(coded.index) if table else none
    rows = own.is_not_null().arg_true()
    if rows.len():  # units written in the cells ("17,3 kg"): a few distinct spellings
        codes = codes.scatter(rows, lookup(own.gather(rows), lambda t: (code(t),), ["c"], [pl.UInt32()])["c"])
    if default:
        codes = codes.fill_null(code(default))
    enum = pl.Enum(list(names))
    return (
        pl.Series(list(names), dtype=enum).gather(codes)
        if names
        else pl.repeat(None, own.len(), dtype=enum, eager=True)
    )


#: A quantity polars reads alone: digits or dot-grouped thousands, perhaps a decimal comma ("368",
#: "11.973", "30,2", "1.250,5"), read exactly as :func:`~trendkit.ingest.parse.parse_number` reads them.
PLAIN_QUANTITY = r"^(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?$"
_QUANTITY_TYPES = [pl.Float64(), pl.String(), pl.String()]


def _quantities(cells: Cells, words: Words | None, plain: pl.Series | None = None) -> pl.DataFrame:
    """``q`` (the number), ``u`` (the cell's unit) and ``e`` (the problem) of each cell. Plain numbers
    (:data:`PLAIN_QUANTITY`, most cells of a column whose unit is in its own column) are read in one
    vectorised pass; the other cells ("17,3 kg", "khoảng 20") are parsed in Python, each distinct one once.
    A coded column (a few thousand distinct quantities over a million rows) is read once per distinct
    value, and each row gathers its own."""
    if isinstance(cells, Coded):
        each = _quantities(pl.Series(cells.values, dtype=pl.String), words)
        return pl.DataFrame([expand(s, cells.index) for s in each.iter_columns()])
    raw = text_of(cells)
    plain = raw.str.contains(PLAIN_QUANTITY).fill_null(False) if plain is None else plain
    # "368" reads as it is; a plain "11.973" reads as 11.973, which one dot group makes 11973 (× 1000);
    # "1.234.567" and "30,2" do not read, and are rewritten as text first (the fewest rows)
    number = raw.cast(pl.Float64, strict=False)
    grouped = (raw.str.contains(".", literal=True) & number.is_not_null()).fill_null(False)
    number = pl.select(pl.when(grouped).then((number * 1000).round(0)).otherwise(number)).to_series()
    rows = (plain & number.is_null()).arg_true()
    if rows.len():
        text = raw.gather(rows).str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
        number = number.scatter(rows, text.cast(pl.Float64, strict=False))
    columns = {"q": number.set(~plain, None)}
    columns |= {c: pl.repeat(None, raw.len(), dtype=pl.String, eager=True) for c in "ue"}
    odd = (~plain & raw.is_not_null()).arg_true()
    if odd.len():
        other = lookup(raw.gather(odd), lambda t: parse_quantity(t, None, words), ["q", "u", "e"], _QUANTITY_TYPES)
        columns = {c: s.scatter(odd, other[c]) for c, s in columns.items()}
    return pl.DataFrame(columns)


def standard_quantity(
    value: pl.Series, unit: pl.Series, commodity: pl.Series, overrides: Mapping[str, tuple[str, float]] | None = None
) -> Normalised:
    """``quantity_std`` and ``unit_std`` (kg, litre, piece, head) where a conversion is defined for the
    unit and the commodity (:func:`~trendkit.ingest.quantity.convert`); null otherwise. A quantity
    beyond its unit's plausible maximum (:data:`~trendkit.ingest.quantity.LIMITS`) is a problem.

    >>> r = standard_quantity(pl.Series([30.0, 2.0, 5.0]), pl.Series(["cây", "cây", "bao"]),
    ...                       pl.Series(["cigarettes", "gold", "sugar"]))
    >>> r.columns["quantity_std"].to_list(), r.columns["unit_std"].to_list()
    ([6000.0, 0.075, None], ['piece', 'kg', None])
    """
    if value.is_null().all():
        none = pl.repeat(None, value.len(), dtype=pl.Float64, eager=True)
        return Normalised({"quantity_std": none, "unit_std": none.cast(pl.String)})
    unit = unit if isinstance(unit.dtype, pl.Enum) else unit.cast(pl.Enum(unit.unique().drop_nulls().sort()))
    commodity = commodity if isinstance(commodity.dtype, pl.Enum) else commodity.cast(pl.Enum(COMMODITY_VALUES))
    units, goods = list(unit.dtype.categories), list(commodity.dtype.categories)
    # one integer per (unit, commodity) pair: each pair converted once, each row a gather
    key = unit.to_physical().cast(pl.UInt32) * len(goods) + commodity.to_physical().cast(pl.UInt32)
    table: list[tuple[str | None, float | None]] = [(None, None)] * (len(units) * len(goods))
    for k in np.flatnonzero(np.bincount(key.drop_nulls().to_numpy(), minlength=len(table))).tolist():
        table[k] = convert(units[k // len(goods)], goods[k % len(goods)], overrides)
    std_unit = pl.Series([t[0] for t in table], dtype=pl.Categorical).gather(key)
    std = (value * pl.Series([t[1] for t in table], dtype=pl.Float64).gather(key)).alias("quantity_std")
    problems = []
    measured = std.fill_null(value)
    near = (measured > min(LIMITS.values())).fill_null(False).arg_true()  # the few rows near some bound
    if not near.len():
        return Normalised({"quantity_std": std, "unit_std": std_unit}, problems)
    limits = pl.Series([LIMITS.get(t[0], LIMIT_OTHER) if t[0] else LIMIT_OTHER for t in table], dtype=pl.Float64)
    over = measured.gather(near) > limits.gather(key.gather(near)).fill_null(LIMIT_OTHER)
    absurd = pl.repeat(False, value.len(), eager=True).scatter(near.filter(over), True)
    if absurd.any():  # the reason is built only when needed: a million string concatenations otherwise
        limit = limits.gather(key).fill_null(LIMIT_OTHER)
        reason = (
            "larger than any plausible seizure (more than " + limit.cast(pl.Int64).cast(pl.String)
            + (" " + std_unit.fill_null(unit.cast(pl.String))).fill_null("")  # no unit: the number alone
            + "); check for an extra digit or a value in the wrong column"
        )  # fmt: skip
        problems.append(Problem("quantity", absurd, reason, "quantity_invalid"))
    return Normalised({"quantity_std": std, "unit_std": std_unit}, problems)


def _place(text: str, words: Words | None) -> tuple[str | None, str]:
    """One place text → (gazetteer ``place_id``, ``place_kind``): the analyst's words first, then
    trail words (a trail near a gate is a trail), then the gazetteer, then the other kinds."""
    place_id = resolve_place(text)
    mine = (words or {}).get(fold(text))
    if mine:
        return place_id, mine
    if match(_INFORMAL, text):
        return place_id, "informal_crossing"
    if place_id is not None:
        return place_id, GAZETTEER_KINDS[_place_kinds()[place_id]]
    return None, match(PLACE_KINDS, text) or "unknown"


#: Trail words alone, checked before anything else (one table, so its patterns compile once).
_INFORMAL: Table = {"informal_crossing": PLACE_KINDS["informal_crossing"]}


@cache
def _place_kinds() -> dict[str, str]:
    from trendkit.geo.gazetteer import places

    return dict(places().select("place_id", "kind").iter_rows())


def place(raw: Cells, words: Words | None = None) -> Normalised:
    """Free-text place → a gazetteer ``place_id`` (gate, port, airport) when one is named, and its
    ``place_kind``: ``official_gate``, ``informal_crossing`` (lối mở, đường mòn, tiểu ngạch …),
    ``seaport``, ``airport``, ``post_office``, ``inland`` or ``unknown`` (blank or not understood).

    >>> r = place(pl.Series(["CK Hữu Nghị", "bãi sông", "Đường mòn lối mở mốc 1119", "Bưu cục Tân Bình", None]))
    >>> r.columns["place_id"].to_list()
    ['huu_nghi', None, None, None, None]
    >>> r.columns["place_kind"].to_list()
    ['official_gate', 'unknown', 'informal_crossing', 'post_office', 'unknown']
    """
    v = lookup(raw, lambda t: _place(t, words), ["v", "k"], [pl.Categorical(), pl.Enum(PLACE_KIND_VALUES)])
    return Normalised({"place_id": v["v"], "place_kind": v["k"].fill_null("unknown"), "place_raw": categorical_of(raw)})
