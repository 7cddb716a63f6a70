"""Regression tests for the adversarial findings: every row counted, values right, errors readable."""

import datetime as dt

import openpyxl
import polars as pl
import pytest

import trendkit as tk
from trendkit.errors import TrendkitInputError
from trendkit.text import to_tcvn3


def _accounted(res, rows):
    """Every data row is in exactly one of cases, rejected, skipped."""
    assert res.cases.height + res.rejected.height + res.skipped.height == rows
    return True


def test_first_data_row_is_not_swallowed_into_a_two_row_header(tmp_path):
    path = tmp_path / "r2.csv"
    path.write_text(
        "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến;Ghi chú\n"
        "A1;;Lạng Sơn;Đường bộ;(chưa xác minh)\n"
        "A2;12/03/2021;Lạng Sơn;Đường bộ;x\n",
        encoding="utf-8",
    )
    res = tk.load_cases(path)
    assert res.files["rows_read"].item() == 2 and _accounted(res, 2)
    assert res.rejected.select("case_id" if "case_id" in res.rejected.columns else "Mã vụ việc").item() == "A1"
    assert res.rejected["reason_code"].item() == "date_missing"


def _workbook(path, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


CASES = [["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP"], ["A1", "12/03/2021", "Lạng Sơn"], ["A2", "13/03/2021", "Lào Cai"]]


def test_a_sheet_without_a_header_is_counted_as_skipped(tmp_path):
    odd = [["Mã hồ sơ", "Thời điểm", "Nơi"]] + [[f"X{i}", "12/03/2021", "Lạng Sơn"] for i in range(8)]
    path = _workbook(tmp_path / "two.xlsx", {"Vụ việc": CASES, "Khác": odd})
    res = tk.load_cases(path)
    assert _accounted(res, 2 + 9)
    other = res.files.filter(pl.col("source_sheet") == "Khác").row(0, named=True)
    assert (other["rows_read"], other["skipped"]) == (9, 9) and "sheet skipped" in other["note"]
    assert "9 skipped" in str(res.summary())
    # the user picks the sheet and maps its headers
    picked = tk.load_cases(path, sheet="Khác", columns={"Thời điểm": "detected_on", "Nơi": "province"})
    assert picked.cases.height == 8


def test_a_summary_sheet_beside_the_cases_is_skipped_not_fatal(tmp_path):
    summary = [["Tỉnh/TP", "Số vụ", "Trị giá"], ["Lạng Sơn", 1, 5], ["Lào Cai", 1, 7]]
    res = tk.load_cases(_workbook(tmp_path / "bc.xlsx", {"Vụ việc": CASES, "Tổng hợp": summary}))
    assert res.cases.height == 2
    note = res.files.filter(pl.col("source_sheet") == "Tổng hợp")["note"].item()
    assert "no column for detected_on" in note
    with pytest.raises(TrendkitInputError, match=r"bc.xlsx \[Tổng hợp\].*no column for detected_on"):
        tk.load_cases(tmp_path / "bc.xlsx", sheet="Tổng hợp")


def test_a_wide_csv_row_late_in_the_file_is_rejected_not_cut(tmp_path):
    good = "".join(f"A{i},12/03/2021,Lạng Sơn,Đường bộ,5\n" for i in range(60))
    path = tmp_path / "wide.csv"
    head = "Mã vụ việc,Ngày phát hiện,Tỉnh/TP,Tuyến,Trị giá\n"
    path.write_text(head + good + "B1,12/03/2021,Lạng Sơn,Đường bộ,2,5\n")
    res = tk.load_cases(path)
    assert _accounted(res, 61) and "B1" not in res.cases["case_id"].to_list()
    bad = res.rejected.row(0, named=True)
    assert bad["reason_code"] == "too_many_fields" and bad["source_row"] == 62 and "2,5" in bad["reason"]
    assert res.cases["goods_value_vnd"].max() == 5  # nothing became 2,000,000


def test_a_wide_row_within_the_first_rows_is_rejected_too(tmp_path):
    path = tmp_path / "wide2.csv"
    path.write_text("Mã vụ việc,Ngày phát hiện,Tỉnh/TP,Trị giá\nB1,12/03/2021,Lạng Sơn,2,5\nB2,12/03/2021,Huế,7\n")
    res = tk.load_cases(path)
    assert res.cases["case_id"].to_list() == ["B2"] and res.rejected["reason_code"].to_list() == ["too_many_fields"]
    assert not any(c.startswith("cột") for c in res.cases.columns)


def test_tcvn3_encoded_csv_keeps_its_headers(tmp_path):
    text = "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến;Trị giá (triệu đồng)\nT1;12/03/2021;Lạng Sơn;Đường biển;15\n"
    path = tmp_path / "abc.csv"
    path.write_bytes(to_tcvn3(text).encode("latin-1"))
    res = tk.load_cases(path)
    case = res.cases.row(0, named=True)
    assert (case["province"], case["channel"], case["goods_value_vnd"]) == ("Lạng Sơn", "sea", 15e6)


@pytest.mark.parametrize("name", ["reason", "column", "reason_code", "source_file", "kind"])
def test_source_columns_never_shadow_the_loaders_own(tmp_path, name):
    path = tmp_path / "s.csv"
    path.write_text(f"Mã vụ việc;Ngày phát hiện;Tỉnh/TP;{name}\nA1;31/02/2021;Lạng Sơn;theirs\n")
    res = tk.load_cases(path)
    rej = res.rejected.row(0, named=True)
    assert rej["reason_code"] == "date_invalid" and "not a real date" in rej["reason"]
    assert rej[f"{name} (2)"] == "theirs" and "reason_right" not in res.rejected.columns


def test_sheet_can_be_a_list(tmp_path):
    path = _workbook(tmp_path / "m.xlsx", {"T1": CASES, "T2": CASES, "T3": [["x"]]})
    res = tk.load_cases(path, sheet=["T1", "T2"])
    assert set(res.files["source_sheet"]) == {"T1", "T2"}
    assert dt.date(2021, 3, 12) in res.cases["detected_on"].to_list()


BORDER = ["Biên giới", "Tuyến biên giới", "Cửa khẩu biên giới", "Đường biên", "biên giới đất liền"]


@pytest.mark.parametrize("word", BORDER)
def test_border_words_are_road_not_sea(word):
    from trendkit.ingest.vocab import CHANNELS, match

    assert match(CHANNELS, word) == "road"
    assert match(CHANNELS, f"Hàng lậu qua {word.lower()}") == "road"


def test_every_channel_word_in_both_spellings():
    from trendkit.ingest.vocab import CHANNELS, _keys, match
    from trendkit.text import fold

    meanings: dict[str, set[str]] = {}
    for canonical, words in CHANNELS.items():
        for w in words:
            meanings.setdefault(fold(w), set()).add(canonical)
    for canonical, words in CHANNELS.items():
        for w in words:
            assert match(CHANNELS, w) == canonical, w  # as written, with diacritics
            assert match(CHANNELS, w.upper()) == canonical, w
            plain = fold(w)
            expected = canonical if meanings[plain] == {canonical} else None  # "duong bien": border or sea
            assert match(CHANNELS, plain) == expected, plain
    assert _keys("Đường biển")[0] == _keys("Đường biên")[0]  # they do fold to the same key


def test_a_border_case_is_loaded_as_road(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến\nA1;12/03/2021;Lạng Sơn;Tuyến biên giới\n")
    assert tk.load_cases(path).cases["channel"].to_list() == ["road"]


def _extract(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Ghi chú\n" + "".join(f"{r}\n" for r in rows))
    return path


def test_files_with_one_name_in_two_folders_are_counted_apart(tmp_path):
    a = _extract(tmp_path / "2021" / "T3.csv", [f"A{i};12/03/2021;Huế;x" for i in range(11)])
    b = _extract(tmp_path / "2022" / "T3.csv", [f"B{i};12/03/2022;Huế;x" for i in range(9)])
    res = tk.load_cases([a, b])
    assert sorted(res.files["source_file"]) == ["2021/T3.csv", "2022/T3.csv"]
    assert "read 20 rows from 2 file(s): 20 accepted" in str(res.summary())
    assert res.files["accepted"].to_list() == [11, 9]


def test_a_later_month_wins_in_natural_order(tmp_path):
    _extract(tmp_path / "BC_T9.csv", ["A1;12/09/2021;Huế;bản gốc / original"])
    _extract(tmp_path / "BC_T10.csv", ["A1;12/09/2021;Huế;đính chính / correction"])
    res = tk.load_cases(tmp_path)
    assert res.files["source_file"].to_list() == ["BC_T9.csv", "BC_T10.csv"]
    assert res.cases["Ghi chú"].to_list() == ["đính chính / correction"]
    assert "natural name order" in str(res.summary())


@pytest.mark.parametrize(
    ("cell", "unit", "value"),
    [("1.234.567 đ", "(triệu đồng)", 1234567.0), ("1.234.567 VND", "(triệu đồng)", 1234567.0),
     ("15", "(triệu đồng)", 15e6), ("2 tỷ", "(triệu đồng)", 2e9)],
)  # fmt: skip
def test_a_unit_in_the_cell_wins_over_the_columns(tmp_path, cell, unit, value):
    path = tmp_path / "v.csv"
    path.write_text(f"Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Trị giá {unit}\nA1;12/03/2021;Huế;{cell}\n")
    assert tk.load_cases(path).cases["goods_value_vnd"].to_list() == [value]


@pytest.mark.parametrize(("cell", "value"), [("１２３", 123.0), ("１.２３４", 1234.0), ("١٢٣", 123.0), ("12", 12.0)])
def test_digits_of_any_script_are_read_never_dropped(tmp_path, cell, value):
    # full-width digits come from East Asian input methods; polars' cast cannot read them, Python can
    path = tmp_path / "v.csv"
    path.write_text(f"Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Trị giá\nA1;12/03/2021;Huế;{cell}\n")
    assert tk.load_cases(path).cases["goods_value_vnd"].to_list() == [value]


def test_non_finite_values_are_rejected(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        f"Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Trị giá\nA1;12/03/2021;Huế;1e400\nA2;12/03/2021;Huế;5\n"
        f"A3;12/03/2021;Huế;{'9' * 400}\n"  # plain digits, but past what a float holds
    )
    res = tk.load_cases(path)
    assert res.cases["case_id"].to_list() == ["A2"] and res.rejected["reason_code"].to_list() == ["value_invalid"] * 2
    pq = tmp_path / "v.parquet"
    pl.DataFrame({
        "case_id": ["P1", "P2", "P3", "P4"], "detected_on": [dt.date(2021, 3, 12)] * 4, "province": ["Huế"] * 4,
        "goods_value_vnd": [float("nan"), float("inf"), -float("inf"), 7.0],
    }).write_parquet(pq)  # fmt: skip
    res = tk.load_cases(pq)
    assert res.cases["case_id"].to_list() == ["P4"]
    assert res.rejected["reason_code"].to_list() == ["value_invalid"] * 3 and "finite" in res.rejected["reason"][0]


@pytest.mark.parametrize("day", ["12/03/1999", "31/12/9999", "01/01/2031"])
def test_implausible_dates_are_rejected_at_load(tmp_path, day):
    path = _extract(tmp_path / "d.csv", [f"A1;{day};Huế;x", "A2;12/03/2021;Huế;x"])
    res = tk.load_cases(path, date_range=("2000-01-01", "2027-12-31"))
    assert res.cases["case_id"].to_list() == ["A2"]
    bad = res.rejected.row(0, named=True)
    assert bad["reason_code"] == "date_out_of_range" and day in bad["reason"] and bad["source_row"] == 2
    assert tk.load_cases(path, date_range=("1990-01-01", "9999-12-31")).cases.height == 2  # configurable


def test_a_stray_old_year_does_not_break_change_points():
    from trendkit.models import change_points

    months = [dt.date(2012 + (i // 12), i % 12 + 1, 1) for i in range(14 * 12)]
    cases = [6, 6, 6] + [0] * (10 * 12 - 3) + [40] * (4 * 12)  # stray old rows, years of nothing, real data
    cp = change_points(pl.DataFrame({"period": months, "cases": cases}))
    assert cp.to_frame().height >= 2


def test_corrupt_xml_inside_an_xlsx_names_the_file(tmp_path):
    import zipfile

    good = _workbook(tmp_path / "good.xlsx", {"Vụ việc": CASES})
    bad = tmp_path / "hỏng.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, b"<worksheet><sheetData><row>" if item.filename.endswith("sheet1.xml") else data)
    with pytest.raises(TrendkitInputError, match=r"hỏng.xlsx: tệp hỏng / a damaged Excel workbook"):
        tk.load_cases(bad)


def test_parquet_with_nested_binary_and_duration_columns(tmp_path):
    path = tmp_path / "odd.parquet"
    pl.DataFrame({
        "case_id": ["P1"], "detected_on": [dt.date(2021, 3, 12)], "province": ["Huế"],
        "tags": [["a", "b"]], "blob": [b"\x00\x01"], "took": [dt.timedelta(hours=2)],
    }).write_parquet(path)  # fmt: skip
    res = tk.load_cases(path)
    assert res.cases.height == 1 and res.cases["tags"].item() is not None


def test_cli_load_picks_sheets(tmp_path):
    import subprocess
    import sys

    path = _workbook(tmp_path / "m.xlsx", {"T1": CASES, "T2": CASES[:2], "Khác": [["ghi chú"]]})
    res = subprocess.run([sys.executable, "-m", "trendkit.cli", "load", str(path), "--sheet", "T2", "--sheet", "T1"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert "read 3 rows" in res.stdout and " T2 " in res.stdout and " T1 " in res.stdout and "Khác" not in res.stdout


@pytest.mark.parametrize("name", ["Công ty TNHH Hải Long", "Tống Văn Nam", "Cộng hòa", "Cong ty ABC", "TONG VAN A"])
def test_names_that_start_like_a_total_are_case_rows(tmp_path, name):
    path = tmp_path / "n.csv"
    path.write_text(
        "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Đối tượng\n"
        f"A1;12/03/2021;Huế;{name}\n"  # a full case row
        f";;Huế;{name}\n"  # no id, no date: rejected (date missing), never skipped as a total
        "Tổng cộng;;;\n"  # a real total row
        ";;;Cộng tháng 3\n",  # a subtotal label in another column
        encoding="utf-8",
    )
    res = tk.load_cases(path)
    assert res.cases["case_id"].to_list() == ["A1"]
    assert res.rejected["reason_code"].to_list() == ["date_missing"]
    assert res.skipped["kind"].to_list() == ["total", "total"]


def test_every_file_in_a_folder_is_listed_and_one_bad_file_does_not_stop_the_load(tmp_path):
    _extract(tmp_path / "BC_T3.csv", ["A1;12/03/2021;Huế;x"])
    (tmp_path / "README.txt").write_text("Thư mục này chứa báo cáo tháng.\nĐừng sửa tay.\n", encoding="utf-8")
    (tmp_path / "cu.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    (tmp_path / "~$BC_T3.xlsx").write_bytes(b"lock")
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip at all")
    (tmp_path / "ghi chu.docx").write_bytes(b"PK")
    res = tk.load_cases(tmp_path)
    assert res.cases["case_id"].to_list() == ["A1"]
    reasons = dict(res.skipped_files.iter_rows())
    assert set(reasons) == {"cu.xls", f"{tmp_path.name}/~$BC_T3.xlsx", f"{tmp_path.name}/ghi chu.docx",
                            "bad.xlsx", "README.txt"}  # fmt: skip
    folder = tmp_path.name
    assert "damaged Excel 97-2003" in reasons["cu.xls"] and "lock file" in reasons[f"{folder}/~$BC_T3.xlsx"]
    assert "it is a text file" in reasons["bad.xlsx"] and "no case table" in reasons["README.txt"]
    assert "files not read" in str(res.summary()) and "README.txt" in res._repr_html_()
    named = r"bad\.xlsx: tên như sổ tính nhưng không phải / named like a workbook"
    with pytest.raises(TrendkitInputError, match=named):
        tk.load_cases(tmp_path / "bad.xlsx")  # a file named on its own still raises


def test_unmapped_words_are_surfaced_and_values_maps_them(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(
        "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến;Hình thức xử lý\n"
        + "".join(f"A{i};12/03/2021;Huế;Đường mòn;Nộp NSNN\n" for i in range(5))
        + "B1;12/03/2021;Huế;Đường bộ;Khởi tố hình sự\n",
        encoding="utf-8",
    )
    res = tk.load_cases(path)
    assert res.rejected["reason_code"].to_list() == ["channel_unknown"] * 5  # an unknown channel is never guessed
    mapped = tk.load_cases(path, values={"channel": {"đường mòn": "road"}})
    assert mapped.unmapped.row(0) == ("outcome", "Nộp NSNN", 5, "unknown")
    assert "outcome: 'Nộp NSNN' × 5 → unknown" in str(mapped.summary())
    fixed = tk.load_cases(path, values={"channel": {"Đường mòn": "road"}, "outcome": {"nop nsnn": "administrative"}})
    assert fixed.cases["outcome"].value_counts(sort=True).rows() == [("administrative", 5), ("criminal", 1)]
    assert fixed.unmapped.height == 0
    with pytest.raises(TrendkitInputError, match="'punished' is not a outcome"):
        tk.load_cases(path, values={"outcome": {"Nộp NSNN": "punished"}})


def test_values_maps_a_unit_name_to_its_province(tmp_path):
    path = tmp_path / "kv.csv"
    path.write_text(
        "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến\nA1;12/03/2025;Chi cục Hải quan khu vực VII;Đường bộ\n"
        "A2;12/03/2025;HQ Lào Cai;Đường bộ\n",
        encoding="utf-8",
    )
    res = tk.load_cases(path)
    assert res.cases["case_id"].to_list() == ["A2"]
    assert "regional customs branch" in res.rejected["reason"][0] and "values=" in res.rejected["reason"][0]
    mapped = tk.load_cases(path, values={"province": {"chi cuc hai quan khu vuc vii": "Lạng Sơn"}})
    assert mapped.cases.select("province", "macro_region").rows() == [("Lạng Sơn", "Bắc"), ("Lào Cai", "Bắc")]
    after = tmp_path / "after.csv"  # after the merger: a mapped unit joins its merged legacy group too
    after.write_text("Mã vụ việc;Ngày phát hiện;Tỉnh/TP\nA1;12/08/2025;HQKV 7\nA2;12/08/2025;Lào Cai\n", "utf-8")
    groups = tk.load_cases(after, values={"province": {"HQKV 7": "Lào Cai"}}).cases["legacy_group"].to_list()
    assert groups == ["Lào Cai + Yên Bái"] * 2
    with pytest.raises(TrendkitInputError, match=r"values=\{'province'.*unknown province 'Atlantis'"):
        tk.load_cases(path, values={"province": {"Chi cục Hải quan khu vực VII": "Atlantis"}})


def test_cli_takes_columns_and_values_files(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "x.csv"
    cols, vals = tmp_path / "cols.csv", tmp_path / "vals.csv"
    cols.write_text("# their header;canonical\nSố BB;case_id\nThời điểm;detected_on\nXử lý;outcome\n", encoding="utf-8")
    data.write_text("Số BB;Thời điểm;Tỉnh/TP;Xử lý\nA1;12/03/2021;Huế;XLHC\nA2;12/03/2021;HQKV 7;XLHC\n", "utf-8")
    vals.write_text("outcome;XLHC;administrative\nprovince;HQKV 7;Lạng Sơn\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "trendkit.cli", "load", str(data), "--columns", str(cols),
                          "--values", str(vals)], capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "2 accepted" in res.stdout and "not understood" not in res.stdout
    vals.write_text("outcome;XLHC\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "trendkit.cli", "load", str(data), "--values", str(vals)],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and "line 1: sai định dạng / expected field;their word;canonical value" in bad.stderr


def test_every_reason_reads_in_vietnamese_first():
    from trendkit.ingest.loader import REASONS_VI

    res = tk.load_cases("data/sample")
    for code, reason in res.rejected.select("reason_code", "reason").iter_rows():
        assert reason.startswith(REASONS_VI[code] + " / "), reason
    assert set(res.rejected["reason_code"]) <= set(REASONS_VI)


def test_the_rejected_value_is_the_cell_or_null():
    res = tk.load_cases("data/sample")
    empty = res.rejected.filter(pl.col("reason_code") == "date_missing").row(0, named=True)
    assert empty["value"] is None  # an empty cell, not the text ""
    bad = res.rejected.filter(pl.col("reason_code") == "date_invalid")["value"].to_list()
    assert "31/09/2025" in bad
