"""Tables written for people to open in Excel: UTF-8 with a BOM, and no cell Excel would run.

Excel reads a CSV without a byte-order mark in the Windows code page (Vietnamese turns to
mojibake) and runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (CSV injection). :func:`write_csv` writes the BOM and, as OWASP recommends, puts a
``'`` before such text cells so Excel shows them as text.

>>> import polars as pl, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = write_csv(pl.DataFrame({"ghi chú": ["=HYPERLINK(\\"http://x\\")", "-5", "Lạng Sơn"], "n": [1, -2, 3]}), path)
>>> path.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
True
>>> pl.read_csv(path)["ghi chú"].to_list()
['\\'=HYPERLINK("http://x")', "'-5", 'Lạng Sơn']
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

__all__ = ["neutralise", "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that Excel would run as a formula, prefixed with ``'``; numbers are left as numbers.
    Column names are data too (a source header is written as the CSV's first line): they get the same.

    >>> neutralise(pl.DataFrame({"=1+2": ["x"]})).columns
    ["'=1+2"]
    """
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
