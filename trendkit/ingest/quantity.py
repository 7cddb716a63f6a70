"""Quantities seized, with their units: "17,3 kg", "24.000 viên", "2 tấn", "30 cây", "3 con".

A cell gives a number and, usually, a unit; a unit column ("Đơn vị tính") or the header
("Trọng lượng (kg)") gives the unit when the cell has none, and the cell wins when both do. Units
are read from the shipped table ``trendkit/data/units.csv`` (aliases, and where one is defined, the
conversion to a standard unit: kg, litre, piece, head, with its source). Conversions may depend on
the commodity — a cigarette carton (cây) is 200 sticks, a cây of gold 37.5 g, a heroin block
(bánh) about 350 g by convention — and a unit without a conversion keeps its own unit: sums never
mix units.

>>> parse_quantity("17,3 kg"), parse_quantity("24.000 viên ma túy tổng hợp"), parse_quantity("12", "chiếc")
((17.3, 'kg', None), (24000.0, 'viên', None), (12.0, 'chiếc', None))
>>> parse_quantity("20-25 kg")[2]
'a range; expected one quantity such as 20 or 22,5'
>>> convert("cây", "cigarettes"), convert("cây", "gold"), convert("cây", "timber")
(('piece', 200.0), ('kg', 0.0375), (None, None))
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from trendkit.ingest.parse import parse_number
from trendkit.ingest.vocab import COMMODITY_GROUPS, Table, match
from trendkit.text import fold

__all__ = ["LIMITS", "UNITS", "Conversion", "conversions", "convert", "parse_conversion", "parse_quantity", "unit_of"]

#: The largest quantity of one case that is plausible, per standard unit; more is rejected as a typo
#: (an extra digit, a value typed into the quantity column). 100 000 tonnes is a large bulk carrier,
#: 100 million litres a large tanker, a billion pieces some 5 million cartons, 100 000 head a herd
#: no border case has come near.
LIMITS = {"kg": 1e8, "litre": 1e8, "piece": 1e9, "head": 1e5}
#: The same bound for a quantity in a unit without a conversion (sacks, boxes, m³ of timber …).
LIMIT_OTHER = 1e9

#: Words that make a quantity approximate, with their accents ("tấm" and "hòn" are units, not "tầm" or
#: "hơn"); the unaccented forms count only in text typed without any accent.
_APPROX = re.compile(r"\b(?:khoảng|gần|hơn|trên|dưới|ước|chừng|tầm|about|approx|approximately|around)\b|[~≈]")
_APPROX_ASCII = re.compile(r"\b(?:khoang|gan|hon|tren|duoi|uoc|chung|tam|about|approx|approximately|around)\b")
_RANGE = re.compile(r"\d\s*(?:[-–—]|\bden\b|\btoi\b|\bto\b)\s*\d")
_FRACTION = re.compile(r"\d\s*/\s*\d")
_LEADING = re.compile(r"^\s*([+-]?\d[\d.,\s]*)(.*)$")


@dataclass(frozen=True)
class Conversion:
    """How one unit, for one commodity or group (``applies_to``; empty for any), becomes a standard unit."""

    unit: str
    applies_to: str
    unit_std: str | None
    factor: float | None
    source: str


@cache
def _table() -> tuple[tuple[Conversion, ...], Table]:
    """The shipped units: every conversion row, and each unit's aliases (the union over its rows)."""
    with resources.files("trendkit.data").joinpath("units.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    aliases: dict[str, list[str]] = {}
    for r in rows:
        aliases.setdefault(r["unit"], [])
        aliases[r["unit"]] += [a for a in r["aliases"].split("|") if a not in aliases[r["unit"]]]
    table = tuple(
        Conversion(r["unit"], r["applies_to"], r["unit_std"] or None, float(r["factor"]) if r["factor"] else None,
                   r["source"])
        for r in rows
    )  # fmt: skip
    return table, aliases


#: Each known unit and the words for it.
UNITS: Table = _table()[1]


def conversions() -> tuple[Conversion, ...]:
    """Every shipped conversion row, as in ``trendkit/data/units.csv``."""
    return _table()[0]


def unit_of(text: str, words: Mapping[str, str] | None = None) -> str | None:
    """The unit a word names ("Kg", "kí", "tấn" → "kg", "kg", "tấn"), the analyst's ``words`` first;
    ``None`` for a word no table knows.

    >>> unit_of("KG"), unit_of("Viên"), unit_of("cuộn")
    ('kg', 'viên', None)
    """
    return (words or {}).get(fold(text)) or match(UNITS, text, contains=False)


def parse_quantity(
    text: str, default_unit: str | None = None, words: Mapping[str, str] | None = None
) -> tuple[float | None, str | None, str | None]:
    """One cell → ``(quantity, unit, problem)``; ``problem`` is ``None`` when the cell reads.

    The number is Vietnamese or English ("1.200", "17,3", "2.5"); the unit is the first word(s) after
    it that name a unit, else the first word as written (kept and listed, never guessed). A cell
    without a unit takes ``default_unit`` (the unit column's, or the header's). Approximate
    quantities ("khoảng 20 kg"), ranges ("20-25 kg"), fractions ("1/2 tấn"), several quantities in
    one cell ("2 tấn 300 kg") and negative numbers are problems: a quantity is what was seized.
    """
    text = text.replace("³", "3")
    key = fold(text)
    if _APPROX.search(text.lower()) or (text.isascii() and _APPROX_ASCII.search(key)):
        return None, None, "an approximate quantity; expected the quantity seized, such as 20 or 22,5"
    if _RANGE.search(text) or _RANGE.search(key):
        return None, None, "a range; expected one quantity such as 20 or 22,5"
    if _FRACTION.search(text):
        return None, None, "a fraction; expected a decimal quantity such as 0,5"
    m = _LEADING.match(text)
    if m is None:
        return None, None, "not a quantity; expected a number with its unit, such as 17,3 kg or 24.000 viên"
    value, problem = parse_number(m.group(1))
    if value is None:
        return None, None, (problem or "").replace("a number of đồng", "a quantity") or "not a number"
    if value < 0:
        return None, None, "negative; expected a quantity of 0 or more"
    rest = m.group(2).strip()
    if not rest:
        return value, default_unit, None
    unit, after = _leading_unit(rest, words)
    if re.search(r"\d", after):
        return None, None, "several quantities in one cell; expected one quantity per row, such as 2300 kg"
    return value, unit, None


def _leading_unit(rest: str, words: Mapping[str, str] | None) -> tuple[str, str]:
    """The unit at the start of ``rest`` (the longest run of up to three words that names one) and what
    follows it; a first word that names no unit is the unit as written."""
    parts = rest.split()
    for n in range(min(3, len(parts)), 0, -1):
        found = unit_of(" ".join(parts[:n]), words)
        if found:
            return found, " ".join(parts[n:])
    return parts[0].lower().strip(".,;:()"), " ".join(parts[1:])


def convert(
    unit: str | None, commodity: str | None, overrides: Mapping[str, tuple[str, float]] | None = None
) -> tuple[str | None, float | None]:
    """``(unit_std, factor)`` for ``unit`` of ``commodity``: the analyst's ``overrides`` first
    (keyed ``"unit/commodity"`` or ``"unit"``), then the shipped row for the commodity, its group,
    and any commodity; ``(None, None)`` when no conversion is defined."""
    if unit is None:
        return None, None
    group = COMMODITY_GROUPS.get(commodity or "", "")
    for key in (f"{unit}/{commodity}", f"{unit}/{group}", unit):
        if overrides and key in overrides:
            return overrides[key]
    rows = {c.applies_to: c for c in conversions() if c.unit == unit}
    for scope in (commodity or "", group, ""):
        if scope in rows:
            return rows[scope].unit_std, rows[scope].factor
    return None, None


def parse_conversion(key: str, value: str) -> tuple[str, tuple[str, float]]:
    """The analyst's conversion, ``values={"conversion": {"bánh/heroin": "0,4 kg"}}``: the key is a unit
    (optionally ``/`` a commodity or group), the value a factor and a standard unit (or a unit that
    converts to one: "50 chiếc" is 50 pieces).

    >>> parse_conversion("Bánh/heroin", "0,4 kg")
    ('bánh/heroin', ('kg', 0.4))
    """
    unit_text, _, scope = key.partition("/")
    unit = unit_of(unit_text.strip()) or unit_text.strip().lower()
    number, written, problem = parse_quantity(value)
    std, factor = (written, 1.0) if written in LIMITS else convert(written, scope.strip() or None)
    if problem or number is None or std is None or factor is None:
        raise ValueError(
            f"conversion {key!r}: {value!r} is not a factor and a standard unit; expected e.g. '0,4 kg' "
            f"(one of {', '.join(LIMITS)})"
        )
    return (f"{unit}/{scope.strip()}" if scope.strip() else unit), (std, number * factor)
