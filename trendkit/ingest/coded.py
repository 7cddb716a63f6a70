"""A text column as its distinct values and each row's index among them.

Units repeat a few hundred spellings ("Tỉnh Lạng Sơn", "Đường bộ", "XLHC") over a million rows.
:class:`Coded` cleans and normalises each *distinct* spelling once, in Python, and leaves the
per-row work to polars: one hash pass gives every row its index among the distinct values, and
each output column is a gather from a table as long as the distinct values.

>>> import polars as pl
>>> c = Coded.of(pl.Series(["  Lào Cai", "Lào Cai", None, " "]), clean=lambda t: t.strip() or None)
>>> c.text.to_list()
['Lào Cai', 'Lào Cai', None, None]
>>> c.map(lambda t: (t.upper(), len(t)), ["up", "n"], [pl.String(), pl.Int64()]).rows()
[('LÀO CAI', 7), ('LÀO CAI', 7), (None, None), (None, None)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

__all__ = ["Cells", "Coded", "categorical_of", "expand", "text_of", "worth_coding"]


@dataclass(frozen=True)
class Coded:
    """A column's text, its distinct values, and each row's index among them.

    Attributes
    ----------
    text
        Each row's (cleaned) text; null for an empty cell.
    values
        The distinct values: row ``i`` holds ``values[index[i]]``. Two raw spellings that clean to
        the same text keep a slot each; a value that cleans to nothing is ``None``.
    index
        Unsigned integers (the narrowest that fit), null where the raw cell was null.
    """

    text: pl.Series
    values: list[str | None]
    index: pl.Series

    @classmethod
    def of(cls, raw: pl.Series, clean: Callable[[str], str | None] | None = None) -> Coded:
        """Code ``raw`` (one hash pass), cleaning each distinct value with ``clean`` first."""
        raw = raw.cast(pl.String)
        distinct, index = _index(raw)
        if clean is None:
            return cls(raw, distinct, index)
        values = [clean(v) for v in distinct]
        if values == distinct:  # nothing to clean (the usual case): the raw column is the text, no copy
            return cls(raw, distinct, index)
        return cls(pl.Series(raw.name, values, dtype=pl.String).gather(index), values, index)

    def __len__(self) -> int:
        return self.text.len()

    def map(
        self, fn: Callable[[str], tuple[Any, ...]], names: Sequence[str], dtypes: Sequence[pl.DataType]
    ) -> pl.DataFrame:
        """``fn`` once per distinct non-null value; one output column per name (null for a null cell)."""
        results = [None if v is None else fn(v) for v in self.values]

        def column(i: int, name: str, dtype: pl.DataType) -> pl.Series:
            return expand(pl.Series(name, [None if r is None else r[i] for r in results], dtype=dtype), self.index)

        return pl.DataFrame([column(i, n, d) for i, (n, d) in enumerate(zip(names, dtypes, strict=True))])

    def rows_where(self, test: Callable[[str], bool]) -> pl.Series:
        """A Boolean mask: the rows whose value passes ``test`` (run once per distinct value)."""
        hits = [i for i, v in enumerate(self.values) if v is not None and test(v)]
        if not hits:
            return pl.repeat(False, len(self), eager=True, dtype=pl.Boolean)
        return self.index.is_in(pl.Series(hits, dtype=self.index.dtype).implode()).fill_null(False)


def expand(table: pl.Series, index: pl.Series) -> pl.Series:
    """One value per row: ``table`` (a value per distinct cell) gathered by ``index``. A table of nulls
    (no error, no unit in any cell: the usual case) is a null column, 25 times cheaper than gathering.

    >>> expand(pl.Series("u", [None, None], dtype=pl.String), pl.Series([1, 0, 1])).to_list()
    [None, None, None]
    >>> expand(pl.Series("u", ["kg", "viên"]), pl.Series([1, 0, None])).to_list()
    ['viên', 'kg', None]
    """
    if table.null_count() == table.len():
        return pl.repeat(None, index.len(), dtype=table.dtype, eager=True).alias(table.name)
    return table.gather(index)


def _sample(raw: pl.Series) -> pl.Series:
    """About 10,000 rows spread evenly over the column (the same rows as :func:`worth_coding`)."""
    return raw.gather_every(max(1, raw.len() // 10_000))


def worth_coding(frame: pl.DataFrame) -> dict[str, bool]:
    """Whether coding pays, by column: at most half of an evenly spread sample's values are distinct
    (a province, a channel, a date column), not nearly all of them (ids, amounts, free text). One
    ``select`` samples every column at once.

    >>> worth_coding(pl.DataFrame({"where": ["Lạng Sơn", "Lào Cai"] * 50, "id": [f"A{i}" for i in range(100)]}))
    {'where': True, 'id': False}
    """
    step = max(1, frame.height // 10_000)
    distinct = frame.select(pl.all().gather_every(step).n_unique()).row(0, named=True) if frame.width else {}
    size = len(range(0, frame.height, step))
    return {name: n <= size // 2 for name, n in distinct.items()}


def _index(raw: pl.Series) -> tuple[list[str], pl.Series]:
    """The distinct values and each row's index among them, in one hash pass over the column.

    The distinct values of an evenly spread sample of 10,000 rows index the column; the few rows
    whose value the sample missed (null index, non-null text) are indexed after them.
    """
    distinct = _sample(raw).unique().drop_nulls().to_list()
    index = raw.cast(pl.Enum(distinct), strict=False).to_physical()  # UInt8/16/32, as few bytes as fit
    missed = index.is_null() & raw.is_not_null()
    if not missed.any():
        return distinct, index
    rest = raw.filter(missed)
    extra = rest.unique().to_list()
    where = rest.cast(pl.Enum(extra)).to_physical().cast(pl.UInt32) + len(distinct)
    return distinct + extra, index.cast(pl.UInt32).scatter(missed.arg_true(), where)


#: A column as the normalisers take it: plain text, or already coded.
Cells = pl.Series | Coded


def text_of(cells: Cells) -> pl.Series:
    """The text of a column, coded or not."""
    return cells.text if isinstance(cells, Coded) else cells


def categorical_of(cells: Cells) -> pl.Series:
    """The text of a column as Categorical (4 bytes a row, where a String keeps a 16-byte view): a
    coded column (or an Enum) from its distinct values, each row's code a gather, no hashing.

    >>> categorical_of(Coded.of(pl.Series(["Đường bộ", " Đường bộ", None]), str.strip)).to_list()
    ['Đường bộ', 'Đường bộ', None]
    >>> categorical_of(pl.Series(["viên", None, "kg"], dtype=pl.Enum(["kg", "viên"]))).to_list()
    ['viên', None, 'kg']
    """
    if isinstance(cells, Coded):
        return pl.Series(cells.text.name, cells.values, dtype=pl.Categorical).gather(cells.index)
    if isinstance(cells.dtype, pl.Enum):
        return pl.Series(cells.name, cells.dtype.categories, dtype=pl.Categorical).gather(cells.to_physical())
    return cells.cast(pl.Categorical)
