"""Quantities with units: the parser on real-world spellings, conversions, and bad cells."""

from __future__ import annotations

import csv
from importlib import resources

import polars as pl
import pytest
from polars.testing import assert_series_equal

from trendkit.ingest.coded import Coded
from trendkit.ingest.fields import quantity, standard_quantity
from trendkit.ingest.quantity import LIMIT_OTHER, LIMITS, UNITS, convert, parse_conversion, parse_quantity, unit_of
from trendkit.ingest.vocab import COMMODITY_GROUPS
from trendkit.text import fold

# (cell as units write it, default unit from the column or header, quantity, unit)
SPELLINGS = [
    ("17,3 kg", None, 17.3, "kg"),
    ("17,3kg", None, 17.3, "kg"),
    ("17.3 kg", None, 17.3, "kg"),
    ("17,3 Kg", None, 17.3, "kg"),
    ("17,3 KG", None, 17.3, "kg"),
    ("17,3 kgs", None, 17.3, "kg"),
    ("1.250 kg", None, 1250.0, "kg"),
    ("1.250,5 kg", None, 1250.5, "kg"),
    ("1,250.5 kg", None, 1250.5, "kg"),
    ("2 500 kg", None, 2500.0, "kg"),
    ("01 kg ketamin", None, 1.0, "kg"),
    ("665 kg nhựa cần sa", None, 665.0, "kg"),
    ("17,3 kg ma túy đá", None, 17.3, "kg"),
    ("0,5 kg", None, 0.5, "kg"),
    ("12 ký", None, 12.0, "kg"),
    ("12 kí", None, 12.0, "kg"),
    ("12 ki lô gam", None, 12.0, "kg"),
    ("12 kilogram", None, 12.0, "kg"),
    ("350 g", None, 350.0, "g"),
    ("350g", None, 350.0, "g"),
    ("350 gam", None, 350.0, "g"),
    ("350 gram", None, 350.0, "g"),
    ("12 gr", None, 12.0, "g"),
    ("2 tấn", None, 2.0, "tấn"),
    ("2 Tấn", None, 2.0, "tấn"),
    ("2 tan", None, 2.0, "tấn"),
    ("1,5 tấn", None, 1.5, "tấn"),
    ("3 tạ", None, 3.0, "tạ"),
    ("4 yến", None, 4.0, "yến"),
    ("2 tonnes", None, 2.0, "tấn"),
    ("500 lít", None, 500.0, "lít"),
    ("500 lit", None, 500.0, "lít"),
    ("500 Lít", None, 500.0, "lít"),
    ("500 l", None, 500.0, "lít"),
    ("500 litres", None, 500.0, "lít"),
    ("250 ml", None, 250.0, "ml"),
    ("12 m3", None, 12.0, "m3"),
    ("12 m³", None, 12.0, "m3"),
    ("12 khối", None, 12.0, "m3"),
    ("12 mét khối", None, 12.0, "m3"),
    ("24.000 viên", None, 24000.0, "viên"),
    ("24.000 viên ma túy tổng hợp", None, 24000.0, "viên"),
    ("24000 viên", None, 24000.0, "viên"),
    ("24.000v", None, 24000.0, "viên"),
    ("1.500 pills", None, 1500.0, "viên"),
    ("200 điếu", None, 200.0, "điếu"),
    ("30 cây", None, 30.0, "cây"),
    ("30 cây thuốc lá", None, 30.0, "cây"),
    ("30 cartons", None, 30.0, "cây"),
    ("1.200 bao", None, 1200.0, "bao"),
    ("1.200 bao thuốc lá", None, 1200.0, "bao"),
    ("10 thùng", None, 10.0, "thùng"),
    ("23 bánh", None, 23.0, "bánh"),
    ("23 bánh heroin", None, 23.0, "bánh"),
    ("3 con", None, 3.0, "con"),
    ("3 cá thể", None, 3.0, "con"),
    ("12 chiếc", None, 12.0, "chiếc"),
    ("12 cái", None, 12.0, "chiếc"),
    ("12 pcs", None, 12.0, "chiếc"),
    ("5 đôi", None, 5.0, "đôi"),
    ("7 bộ", None, 7.0, "bộ"),
    ("40 chai", None, 40.0, "chai"),
    ("15 hộp", None, 15.0, "hộp"),
    ("8 kiện", None, 8.0, "kiện"),
    ("2 chỉ", None, 2.0, "chỉ"),
    ("5.000 USD", None, 5000.0, "USD"),
    ("5 cuộn", None, 5.0, "cuộn"),  # a unit nobody knows: kept as written
    ("5 Cuộn vải", None, 5.0, "cuộn"),
    ("20 tấm", None, 20.0, "tấm"),  # a sheet, not "tầm" (about)
    ("5 hòn", None, 5.0, "hòn"),  # a piece, not "hơn" (more than)
    ("17,3", "kg", 17.3, "kg"),  # a bare number takes the column's unit
    ("24.000", "viên", 24000.0, "viên"),
    ("3", None, 3.0, None),  # no unit anywhere: the quantity is kept, its unit unknown
    ("2 tấn", "kg", 2.0, "tấn"),  # the cell's unit wins over the column's
    ("0", "kg", 0.0, "kg"),
]


@pytest.mark.parametrize(("text", "default", "quantity", "unit"), SPELLINGS)
def test_real_world_spellings(text, default, quantity, unit):
    q, u, problem = parse_quantity(text, default)
    assert problem is None, problem
    assert (q, u) == (pytest.approx(quantity), unit)


def test_the_table_has_at_least_sixty_spellings():
    assert len(SPELLINGS) >= 60


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2,5,3 kg", "commas in unexpected places"),
        ("khoảng 20 kg", "approximate"),
        ("khoang 20 kg", "approximate"),
        ("~20 kg", "approximate"),
        ("hơn 300 viên", "approximate"),
        ("Khoảng 20 kg", "approximate"),
        ("tầm 20 kg", "approximate"),
        ("≈ 20 kg", "approximate"),
        ("20-25 kg", "a range"),
        ("20 – 25 kg", "a range"),
        ("20 đến 25 kg", "a range"),
        ("1/2 tấn", "a fraction"),
        ("2 tấn 300 kg", "several quantities"),
        ("-5 kg", "negative"),
        ("kg", "not a quantity"),
        ("không rõ", "not a quantity"),
        ("1.2.3 kg", "dots in unexpected places"),
    ],
)
def test_bad_cells_are_problems_with_their_reason(text, why):
    q, u, problem = parse_quantity(text, "kg")
    assert q is None and u is None
    assert why in problem


def test_a_coded_quantity_column_reads_each_cell_as_the_row_by_row_path_does():
    """The loader codes a repetitive quantity column and reads each distinct cell once: every
    spelling, bad cell, repeat and empty cell must come out as the row-by-row reading gives it."""
    texts = [t for t, *_ in SPELLINGS] + ["2,5,3 kg", "khoảng 20 kg", "1/2 tấn", "368", "11.973", "1.250,5"]
    cells = pl.Series("q", [*texts, None, *texts[3:]], dtype=pl.String)  # repeats, not a palindrome
    units = pl.Series("u", ["kg", None, "viên"] * (len(cells) // 3) + ["kg"] * (len(cells) % 3))
    rows, coded = quantity(cells, units), quantity(Coded.of(cells), units)
    assert_series_equal(coded.columns["quantity"], rows.columns["quantity"])
    # the units' Enum lists them in the order first met, which coding changes: compare the text
    assert_series_equal(coded.columns["unit"].cast(pl.String), rows.columns["unit"].cast(pl.String))
    assert [p.rows.to_list() for p in coded.problems] == [p.rows.to_list() for p in rows.problems]
    assert coded.problems[0].rows.sum() == 6  # the three bad cells, twice each


@pytest.mark.parametrize(
    ("unit", "commodity", "expected"),
    [
        ("kg", "heroin", ("kg", 1.0)),
        ("g", None, ("kg", 0.001)),
        ("tấn", "coal", ("kg", 1000.0)),
        ("tạ", "sugar", ("kg", 100.0)),
        ("lít", "fuel", ("litre", 1.0)),
        ("m3", "fuel", ("litre", 1000.0)),
        ("m3", "timber", (None, None)),  # timber stays in m3: no conversion, never a litre
        ("viên", "synthetic_drugs", ("piece", 1.0)),
        ("cây", "cigarettes", ("piece", 200.0)),
        ("bao", "cigarettes", ("piece", 20.0)),
        ("bao", "e_cigarettes", ("piece", 20.0)),  # by the group
        ("bao", "sugar", (None, None)),  # a sack of sugar has no fixed weight
        ("thùng", "cigarettes", ("piece", 10000.0)),
        ("cây", "gold", ("kg", 0.0375)),
        ("cây", "timber", (None, None)),
        ("bánh", "heroin", ("kg", 0.35)),
        ("bánh", "cannabis", (None, None)),
        ("con", "livestock", ("head", 1.0)),
        ("chai", "alcohol", (None, None)),
        ("cuộn", "textiles", (None, None)),
        (None, "heroin", (None, None)),
    ],
)
def test_conversions_depend_on_the_commodity(unit, commodity, expected):
    assert convert(unit, commodity) == expected


def test_a_quantity_is_absurd_only_beyond_its_own_unit_s_bound():
    # (quantity, unit as written, commodity, beyond the bound?) — each bound met exactly is plausible
    rows = [
        (LIMITS["kg"], "kg", "sugar", False),
        (LIMITS["kg"] + 1, "kg", "sugar", True),
        (LIMITS["head"], "con", "livestock", False),
        (LIMITS["head"] + 1, "con", "livestock", True),  # above the smallest bound: looked up, not skipped
        (LIMITS["piece"] / 200, "cây", "cigarettes", False),  # 200 sticks a cây: 1e9 pieces exactly
        (LIMITS["piece"] / 200 + 1, "cây", "cigarettes", True),
        (2 * LIMITS["head"], "bao", "sugar", False),  # no conversion: the bound of other units
        (LIMIT_OTHER + 1, "bao", "sugar", True),
        (LIMIT_OTHER + 1, None, "sugar", True),  # no unit at all
        (None, "kg", "sugar", False),
    ]
    value, unit, goods, beyond = (pl.Series(c) for c in zip(*rows, strict=True))
    r = standard_quantity(value.cast(pl.Float64), unit, goods)
    (problem,) = r.problems
    assert problem.rows.to_list() == beyond.to_list()
    reasons = problem.reason.filter(problem.rows).to_list()
    assert reasons[0].startswith("larger than any plausible seizure (more than 100000000 kg)")
    assert "(more than 1000000000 bao)" in reasons[3] and "(more than 1000000000);" in reasons[4]
    quiet = standard_quantity(pl.Series([1.0, None]), pl.Series(["kg", "kg"]), pl.Series(["sugar", "sugar"]))
    assert quiet.problems == [] and quiet.columns["quantity_std"].to_list() == [1.0, None]


def test_an_analysts_conversion_wins_over_the_shipped_one():
    key, conv = parse_conversion("bánh/heroin", "0,4 kg")
    assert convert("bánh", "heroin", {key: conv}) == ("kg", 0.4)
    assert convert("bánh", "cannabis", {key: conv}) == (None, None)
    key, conv = parse_conversion("Cuộn", "50 chiếc")
    assert convert("cuộn", "textiles", {key: conv}) == ("piece", 50.0)
    with pytest.raises(ValueError, match="not a factor and a standard unit"):
        parse_conversion("bánh", "nhiều")


def test_the_units_table_is_consistent_and_sourced():
    with resources.files("trendkit.data").joinpath("units.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    owner: dict[str, str] = {}
    for r in rows:
        assert r["source"], r  # every row says where its conversion comes from
        assert (r["unit_std"] == "") == (r["factor"] == ""), r
        assert r["unit_std"] in ("", *LIMITS), r
        assert r["applies_to"] in ("", *COMMODITY_GROUPS, *COMMODITY_GROUPS.values()), r
        for alias in r["aliases"].split("|"):
            assert owner.setdefault(fold(alias), r["unit"]) == r["unit"], alias  # one alias, one unit
    for unit in UNITS:
        assert unit_of(unit) == unit


# --- through the loader ----------------------------------------------------------------------


import trendkit as tk  # noqa: E402
from trendkit.errors import TrendkitInputError  # noqa: E402

_CSV = (
    "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến;Mặt hàng;Số lượng;Đơn vị tính\n"
    "Q1;02/03/2024;Lạng Sơn;Đường bộ;Thuốc lá điếu;30 cây;\n"
    "Q2;03/03/2024;Lạng Sơn;Đường bộ;Heroin;23;bánh\n"
    "Q3;04/03/2024;Lào Cai;Đường sắt;Ma tuý đá;17,3 kg;Gói\n"
    "Q4;05/03/2024;Hà Nội;Hàng không;Ma túy tổng hợp;24.000;viên\n"
    "Q5;06/03/2024;Quảng Ninh;Đường biển;Than;2 tấn;\n"
    "Q6;07/03/2024;Quảng Ninh;Đường biển;Vải;5;cuộn\n"
    "Q7;08/03/2024;Quảng Ninh;Đường biển;Gỗ;khoảng 20;m3\n"
    "Q8;09/03/2024;Quảng Ninh;Đường biển;Xăng dầu;900.000.000;lít\n"
    "Q9;10/03/2024;Quảng Ninh;Đường biển;Đường cát;;\n"
)


def test_the_loader_reads_quantities_units_and_standard_units(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(_CSV, encoding="utf-8")
    res = tk.load_cases(path)
    got = {r["case_id"]: r for r in res.cases.iter_rows(named=True)}
    assert (got["Q1"]["quantity"], got["Q1"]["unit"], got["Q1"]["quantity_std"], got["Q1"]["unit_std"]) == (
        30.0, "cây", 6000.0, "piece",
    )  # fmt: skip
    assert (got["Q2"]["quantity_std"], got["Q2"]["unit_std"]) == (pytest.approx(8.05), "kg")  # 23 × 0.35 kg
    assert (got["Q3"]["unit"], got["Q3"]["quantity_std"]) == ("kg", 17.3)  # the cell's unit wins over the column's
    assert (got["Q4"]["commodity_group"], got["Q4"]["unit_std"], got["Q4"]["quantity_std"]) == (
        "drugs", "piece", 24000.0,
    )  # fmt: skip
    assert (got["Q5"]["quantity_std"], got["Q5"]["unit_std"], got["Q5"]["commodity_group"]) == (
        2000.0, "kg", "coal_minerals",
    )  # fmt: skip
    assert (got["Q6"]["unit"], got["Q6"]["quantity_std"]) == ("cuộn", None)  # kept as written, not converted
    assert got["Q9"]["quantity"] is None and got["Q9"]["unit"] is None  # no quantity is not zero
    rej = res.rejected.filter(pl.col("reason_code") == "quantity_invalid")
    assert sorted(rej["source_row"].to_list()) == [8, 9]  # Q7 approximate, Q8 beyond the plausible maximum
    assert rej["column"].unique().to_list() == ["Số lượng"]
    assert all(r.startswith("Số lượng không hợp lệ / ") for r in rej["reason"])
    assert res.cases.height + res.rejected["source_row"].n_unique() == 9  # every row somewhere
    unknown = res.unmapped.filter(pl.col("field") == "unit")
    assert unknown.select("raw", "rows", "mapped_to").row(0) == ("cuộn", 1, "kept")


def test_the_analyst_maps_units_and_conversions(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(_CSV, encoding="utf-8")
    res = tk.load_cases(path, values={"conversion": {"bánh/heroin": "0,4 kg", "cuộn": "50 chiếc"}})
    got = {r["case_id"]: r for r in res.cases.iter_rows(named=True)}
    assert got["Q2"]["quantity_std"] == pytest.approx(9.2)
    assert (got["Q6"]["quantity_std"], got["Q6"]["unit_std"]) == (250.0, "piece")
    res = tk.load_cases(path, values={"unit": {"cuộn": "chiếc"}})
    assert res.cases.filter(pl.col("case_id") == "Q6")["unit"].item() == "chiếc"
    with pytest.raises(TrendkitInputError, match="not a factor and a standard unit"):
        tk.load_cases(path, values={"conversion": {"bánh": "nhiều"}})
    with pytest.raises(TrendkitInputError, match="'hộp thư' is not a unit"):
        tk.load_cases(path, values={"unit": {"hộp": "hộp thư"}})


def test_a_header_unit_applies_to_bare_numbers_and_excel_numbers_are_read_as_stored(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP", "Mặt hàng", "Trọng lượng (kg)"])
    ws.append(["X1", "02/03/2024", "Lạng Sơn", "Đường cát", 1.234])  # a float: 1.234 kg, never 1234
    ws.append(["X2", "03/03/2024", "Lạng Sơn", "Đường cát", "2 tấn"])
    ws.append(["X3", "04/03/2024", "Lạng Sơn", "Đường cát", -3])
    path = tmp_path / "q.xlsx"
    wb.save(path)
    res = tk.load_cases(path)
    got = dict(res.cases.select("case_id", "quantity_std").iter_rows())
    assert got == {"X1": pytest.approx(1.234), "X2": 2000.0}
    assert res.rejected.select("source_row", "reason_code").rows() == [(4, "quantity_invalid")]


def test_a_quantity_without_any_unit_is_kept_with_no_unit_and_no_standard_quantity(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Mặt hàng;Số lượng\nU1;02/03/2024;Lạng Sơn;Heroin;12\n",
                    encoding="utf-8")  # fmt: skip
    row = tk.load_cases(path).cases.row(0, named=True)
    assert (row["quantity"], row["unit"], row["quantity_std"], row["unit_std"]) == (12.0, None, None, None)


def test_every_commodity_group_and_outcome_has_its_bilingual_words():
    from trendkit import words
    from trendkit.ingest.vocab import COMMODITY_GROUP_VALUES, COMMODITY_LABELS, COMMODITY_VALUES, OUTCOME_VALUES

    assert set(words.COMMODITY_GROUPS) == set(COMMODITY_GROUP_VALUES)  # the page's labels and the taxonomy agree
    assert set(words.OUTCOMES) == set(OUTCOME_VALUES)
    assert set(COMMODITY_LABELS) == set(COMMODITY_VALUES) - {"other"}
