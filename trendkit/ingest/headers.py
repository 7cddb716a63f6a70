"""Finding the header of a case table and mapping its columns to canonical names.

Provincial reports put title rows above the table ("BÁO CÁO KẾT QUẢ … THÁNG 3/2021"),
split headers over two rows with merged group cells, and put units under a header
("Trị giá" / "(triệu đồng)"). The header is the row (or pair of rows) whose cells name the
most canonical columns.

>>> rows = [["BÁO CÁO THÁNG 3/2021", "", ""], ["Mã vụ việc", "Ngày phát hiện", "Trị giá"],
...         ["", "", "(triệu đồng)"], ["HQ-1", "12/03/2021", "15"]]
>>> h = find_header(rows)
>>> (h.first_row, h.n_rows, h.fields, h.units)
(1, 2, {0: 'case_id', 1: 'detected_on', 2: 'goods_value_vnd'}, {2: 1000000.0})
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from trendkit.ingest.parse import parse_date, parse_number, unit_from_header
from trendkit.ingest.quantity import unit_of
from trendkit.ingest.vocab import HEADERS, match
from trendkit.text import clean_text, fold

__all__ = ["CANONICAL_FIELDS", "Header", "find_header"]

#: Columns ``columns=`` may map a source header to.
CANONICAL_FIELDS = tuple(HEADERS)

_PARENS = re.compile(r"\([^)]*\)")
_COLUMN_NUMBER = re.compile(r"^\(?\s*\d{1,2}\s*\)?$")
_MIN_FIELDS = 2


@dataclass(frozen=True)
class Header:
    """Where the header is and what each column means.

    ``first_row``/``n_rows`` index the preview rows (0-based); ``names`` is the combined
    header text of every column; ``fields`` maps a column index to a canonical field;
    ``units`` holds the multiplier a value column declares; ``skip`` counts rows right
    under the header that only number the columns ("(1) (2) (3)"); ``quantity_units`` the unit a
    quantity column declares.
    """

    first_row: int
    n_rows: int
    names: list[str]
    fields: dict[int, str]
    units: dict[int, float] = field(default_factory=dict)
    skip: int = 0
    #: The unit a quantity column's header names ("Trọng lượng (kg)" → "kg"), by column.
    quantity_units: dict[int, str] = field(default_factory=dict)

    @property
    def data_start(self) -> int:
        """The first preview row below the header (and its column-number row)."""
        return self.first_row + self.n_rows + self.skip


def _user_key(text: str) -> str:
    return fold(_PARENS.sub(" ", text))


def field_for(text: str, user: Mapping[str, str] | None = None) -> str | None:
    """The canonical field a header cell names, or None."""
    if not text or not text.strip():
        return None
    if user:
        for key in (fold(text), _user_key(text)):
            if key in user:
                return user[key]
    stripped = _PARENS.sub(" ", text)
    return match(HEADERS, stripped, contains=False) if fold(stripped) else None


def _looks_like_data(cell: str) -> bool:
    if not cell.strip():
        return False
    return parse_number(cell)[1] is None or parse_date(cell)[1] is None


def _assign(candidates: list[list[str]], user: Mapping[str, str] | None) -> dict[int, str]:
    """First matching candidate per column; a field already taken stays with the first column."""
    fields: dict[int, str] = {}
    for j, texts in enumerate(candidates):
        for text in texts:
            f = field_for(text, user)
            if f is not None:
                if f not in fields.values():
                    fields[j] = f
                break
    return fields


def find_header(
    rows: list[list[str]],
    user: Mapping[str, str] | None = None,
    *,
    codec: str = "latin-1",
    fixed_row: int | None = None,
) -> Header | None:
    """Locate the header in the first rows of a sheet; None when no row names two columns.

    ``user`` maps folded source headers to canonical fields (from ``columns=``); ``codec`` is how
    the file was decoded, for repairing TCVN3 header text exactly as the cells below it are;
    ``fixed_row`` forces the header row (Parquet column names).
    """
    rows = [[clean_text(c, codec) if c else "" for c in r] for r in rows]
    candidates = [fixed_row] if fixed_row is not None else range(len(rows))
    # (score, prefer pairs on a tie, row, n_rows, names, fields)
    best: tuple[int, int, int, int, list[str], dict[int, str]] | None = None
    for i in candidates:
        options = [(1, list(rows[i]), _assign([[c] for c in rows[i]], user))]
        if fixed_row is None and i + 1 < len(rows) and _is_second_header(rows[i], rows[i + 1], user):
            top, bottom = rows[i], rows[i + 1]
            names = [
                (t if not b or b == t else (b if not t else f"{t} {b}")) for t, b in zip(top, bottom, strict=False)
            ]
            cands = [[b, f"{t} {b}", t] if b and b != t else [t] for t, b in zip(top, bottom, strict=False)]
            options.append((2, names, _assign(cands, user)))
        for n_rows, names, fields in options:
            key = (len(fields), n_rows)
            if len(fields) >= _MIN_FIELDS and (best is None or key > best[:2]):
                best = (len(fields), n_rows, i, n_rows, names, fields)
    if best is None:
        return None
    _, _, i, n_rows, names, fields = best
    units = {}
    for j, f in fields.items():
        if f == "goods_value_vnd":
            unit = unit_from_header(names[j])
            if unit is not None:
                units[j] = unit
    after = i + n_rows
    skip = 1 if after < len(rows) and _is_column_number_row(rows[after]) else 0
    quantity_units = {j: u for j, f in fields.items() if f == "quantity" and (u := _unit_in_parentheses(names[j]))}
    return Header(i, n_rows, names, fields, units, skip, quantity_units)


def _unit_in_parentheses(header: str) -> str | None:
    """The unit a quantity header names in parentheses: "Trọng lượng (kg)" → "kg".

    >>> _unit_in_parentheses("Trọng lượng (kg)"), _unit_in_parentheses("Số lượng (ghi rõ đơn vị)")
    ('kg', None)
    """
    return next((u for part in re.findall(r"\(([^)]*)\)", header) if (u := unit_of(part.strip()))), None)


def _is_second_header(top: list[str], bottom: list[str], user: Mapping[str, str] | None) -> bool:
    """Whether ``bottom`` continues the header in ``top`` (sub-headers, units, merged cells).

    Every filled cell of ``bottom`` must read as header text — the same text as above it (a cell
    merged down), a canonical header, a "(unit)" under a header, or a sub-header under a group cell
    merged across — so a first data row is never swallowed into the header. At least one cell must
    add something (a header, a unit or a sub-header).
    """
    cells = [c for c in bottom if c.strip()]
    if len({c for c in top if c.strip()}) < 2:  # a title row, merged across or in one cell
        return False
    if not cells or _is_column_number_row(bottom) or any(_looks_like_data(c) for c in cells):
        return False
    adds = False
    for j, cell in enumerate(bottom):
        above = top[j] if j < len(top) else ""
        if not cell.strip() or cell == above:
            continue
        group = bool(above) and ((j > 0 and top[j - 1] == above) or (j + 1 < len(top) and top[j + 1] == above))
        if field_for(cell, user) is not None or group or (above and _PARENS.fullmatch(cell.strip())):
            adds = True
        else:
            return False
    return adds


def _is_column_number_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    return len(cells) >= 3 and all(_COLUMN_NUMBER.match(c) for c in cells) and len(set(cells)) == len(cells)
