"""A Parquet file's size read from its footer before any column is decoded.

A Parquet file states its rows and, for every column chunk, how many values it holds; a few
kilobytes can promise twenty million repeated rows or one list of twenty million items.
:func:`check_parquet` reads the footer (Thrift compact protocol, parsed here: the footer is a few
kilobytes and polars does not expose it) and refuses such a file before polars builds anything.

>>> import tempfile, polars as pl
>>> path = Path(tempfile.mkdtemp()) / "t.parquet"
>>> pl.DataFrame({"a": [1, 2, 3], "tags": [["x"], [], ["y", "z"]]}).write_parquet(path)
>>> footer = parquet_footer(path)
>>> footer.rows, [(c.name, c.values) for c in footer.columns]
(3, [('a', 3), ('tags', 4)])
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from trendkit.errors import TrendkitInputError

__all__ = ["MAX_FOOTER_BYTES", "MAX_ITEMS_PER_ROW", "MAX_PARQUET_ROWS", "Footer", "check_parquet", "parquet_footer"]

#: Rows a Parquet file may hold: the loader needs about 300 bytes a row at its peak, so this bounds a
#: load to a few GB (a national extract has tens of thousands of rows a year).
MAX_PARQUET_ROWS = 12_000_000
#: Values a column may hold per row on average: a list column of a case table holds a few items a row.
MAX_ITEMS_PER_ROW = 64
MAX_FOOTER_BYTES = 16 << 20


@dataclass(frozen=True)
class Chunk:
    """One column chunk of a row group: its column, its rows and the values (list items) it holds."""

    name: str
    rows: int
    values: int


@dataclass(frozen=True)
class Footer:
    """A Parquet file's row count and its column chunks, as its footer states them."""

    rows: int
    chunks: list[Chunk]

    @property
    def columns(self) -> list[Chunk]:
        """Each column's chunks added up over the row groups, in order."""
        total: dict[str, list[int]] = {}
        for c in self.chunks:
            rows_values = total.setdefault(c.name, [0, 0])
            rows_values[0] += c.rows
            rows_values[1] += c.values
        return [Chunk(name, r, v) for name, (r, v) in total.items()]


class _Compact:
    """Just enough of Thrift's compact protocol to read a Parquet footer into nested dicts."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        out = shift = 0
        while True:
            b = self.byte()
            out |= (b & 0x7F) << shift
            if not b & 0x80:
                return out
            shift += 7
            if shift > 70:
                raise ValueError("varint too long")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, kind: int) -> object:
        if kind in (1, 2):
            return kind == 1
        if kind == 3:
            return self.byte()
        if kind in (4, 5, 6):
            return self.zigzag()
        if kind == 7:
            self.pos += 8
            return None
        if kind == 8:
            n = self.varint()
            self.pos += n
            return self.data[self.pos - n : self.pos]
        if kind in (9, 10):
            head = self.byte()
            n, inner = head >> 4, head & 0x0F
            if n == 15:
                n = self.varint()
            return [self.value(inner) if inner not in (1, 2) else self.byte() == 1 for _ in range(n)]
        if kind == 11:
            n = self.varint()
            types = self.byte() if n else 0
            return {self.value(types >> 4): self.value(types & 0x0F) for _ in range(n)}  # type: ignore[misc]
        if kind == 12:
            return self.struct()
        raise ValueError(f"unknown Thrift type {kind}")

    def struct(self) -> dict[int, object]:
        fields: dict[int, object] = {}
        last = 0
        while (head := self.byte()) != 0:
            delta, kind = head >> 4, head & 0x0F
            last = last + delta if delta else self.zigzag()
            fields[last] = self.value(kind)
        return fields


def parquet_footer(path: Path) -> Footer:
    """Rows and column chunks of a Parquet file, from its footer alone (raises ValueError if damaged)."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        if size < 12:
            raise ValueError("too short")
        fh.seek(size - 8)
        length, magic = struct.unpack("<I4s", fh.read(8))
        if magic != b"PAR1" or not 0 < length <= min(size - 12, MAX_FOOTER_BYTES):
            raise ValueError("no Parquet footer")
        fh.seek(size - 8 - length)
        meta = _Compact(fh.read(length)).struct()
    chunks = []
    for group in meta.get(4) or []:  # row_groups
        rows = int(group.get(3) or 0)
        for column in group.get(1) or []:  # ColumnChunk → ColumnMetaData
            info = column.get(3) or {}
            name = bytes((info.get(3) or [b""])[0]).decode("utf-8", "replace")  # the top-level column
            chunks.append(Chunk(name, rows, int(info.get(5) or 0)))
    return Footer(int(meta.get(3) or 0), chunks)


def check_parquet(path: Path) -> None:
    """Refuse, from its footer, a Parquet file whose reading would not be bounded."""
    try:
        footer = parquet_footer(path)
    except (ValueError, IndexError, struct.error, OSError, AttributeError, TypeError):
        raise TrendkitInputError(
            f"{path.name}: tệp Parquet hỏng / not a readable Parquet file (its footer is damaged); expected Parquet "
            "written by "
            "polars, pandas or Spark"
        ) from None
    if footer.rows > MAX_PARQUET_ROWS:
        raise TrendkitInputError(
            f"{path.name}: quá nhiều dòng / holds {footer.rows:,} rows; expected at most {MAX_PARQUET_ROWS:,} — "
            "split the extract "
            "by year or month"
        )
    for chunk in footer.chunks:
        if chunk.values > chunk.rows * MAX_ITEMS_PER_ROW + 1024:
            raise TrendkitInputError(
                f"{path.name}: cột quá lớn / column {chunk.name!r} holds {chunk.values:,} values in {chunk.rows:,} "
                "rows; expected "
                f"at most {MAX_ITEMS_PER_ROW} a row (lists that long are not a case table) — flatten the column"
            )
