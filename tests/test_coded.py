"""Coded columns and column cleaning: the fast paths give exactly what the plain per-row answer gives."""

import random

import polars as pl
import pytest

from trendkit.ingest.coded import Coded, worth_coding
from trendkit.ingest.columns import clean_column
from trendkit.text import clean_text

SPELLINGS = ["Lạng Sơn", " Lạng Sơn", "Lào  Cai", "", "  ", "Quảng Ninh", "A1", "Cao Bằng\t"]


def _column(seed: int, n: int) -> list[str | None]:
    rng = random.Random(seed)
    common = [rng.choice([*SPELLINGS, None]) for _ in range(n)]
    rare = [f"hiếm {k}" for k in range(rng.randint(0, 5))]  # values an evenly spread sample misses
    for value in rare:
        common[rng.randrange(n)] = value
    return common


def _tidy(text: str) -> str | None:
    return clean_text(text) or None


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("n", [1, 7, 30_001])
def test_coded_text_values_and_index_agree_with_each_row(seed, n):
    raw = _column(seed, n)
    coded = Coded.of(pl.Series(raw, dtype=pl.String), _tidy)
    assert coded.text.to_list() == [None if v is None else _tidy(v) for v in raw]
    looked = pl.Series(coded.values, dtype=pl.String).gather(coded.index).to_list()
    assert looked == coded.text.to_list()
    lengths = coded.map(lambda t: (len(t),), ["n"], [pl.Int64()])["n"].to_list()
    assert lengths == [None if t is None else len(t) for t in coded.text.to_list()]
    marked = coded.rows_where(lambda t: t.startswith("hiếm")).to_list()
    assert marked == [t is not None and t.startswith("hiếm") for t in coded.text.to_list()]


@pytest.mark.parametrize("seed", range(10))
def test_both_cleaning_paths_give_the_same_text(seed):
    raw = pl.Series(_column(seed, 5_000), dtype=pl.String)
    coded = clean_column(raw, "latin-1", repetitive=True)
    spread = clean_column(raw, "latin-1", repetitive=False)
    assert coded.text.to_list() == spread.to_list() == [None if v is None else _tidy(v) for v in raw.to_list()]


def test_known_clean_rows_are_left_as_they_are():
    raw = pl.Series(["1.234", " 5 ", "7"])
    out = clean_column(raw, "latin-1", repetitive=False, clean=pl.Series([True, False, True]))
    assert out.to_list() == ["1.234", "5", "7"]


def test_worth_coding_decides_each_column_from_the_same_sample():
    n = 50_000  # sampled every 5th row: 10,000 rows
    frame = pl.DataFrame({
        "province": [("Lạng Sơn", "Lào Cai", None)[i % 3] for i in range(n)],
        "id": [f"A{i}" for i in range(n)],
        "half": [str(i // 10) for i in range(n)],  # every 5th row: 2 in a row share a value — half distinct
        "more": [str(i // 9) for i in range(n)],  # a little more than half distinct
    })  # fmt: skip
    assert worth_coding(frame) == {"province": True, "id": False, "half": True, "more": False}
    assert worth_coding(frame.clear()) == dict.fromkeys(frame.columns, True) and worth_coding(pl.DataFrame()) == {}
