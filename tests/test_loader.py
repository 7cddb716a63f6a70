from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import trendkit as tk
from tests.conftest import cp1258_bytes
from trendkit.errors import TrendkitInputError
from trendkit.ingest.loader import CASE_SCHEMA

HEADER = (
    "Mã vụ việc,Ngày phát hiện,Tỉnh/TP,Tuyến,Loại vi phạm,Mặt hàng,Trị giá hàng vi phạm (đồng),Hình thức xử lý,Cửa khẩu"
)


def row(cases: pl.DataFrame, case_id: str) -> dict:
    return cases.filter(pl.col("case_id") == case_id).row(0, named=True)


#: What each case of the report fixture must read as.
EXPECTED = {
    "LS-001": dict(
        detected_on=dt.date(2021, 3, 12),
        province="Lạng Sơn",
        province_code="20",
        province_legacy="Lạng Sơn",
        channel="road",
        violation="smuggling",
        commodity="cigarettes",
        commodity_raw="Thuốc lá điếu",
        goods_value_vnd=15e6,
        place_raw="Hữu Nghị",
        outcome="administrative",
        source_row=6,
    ),
    "LS-002": dict(
        detected_on=dt.date(2021, 3, 13),
        province="Lạng Sơn",
        channel="rail",
        violation="illegal_transport",
        commodity="fruit",
        commodity_group="food",
        goods_value_vnd=1234.5e6,
        outcome="criminal",
        place_raw="Đồng Đăng",
        source_row=7,
    ),
    "LS-003": dict(
        detected_on=dt.date(2021, 3, 18),
        province="TP. Hồ Chí Minh",
        province_code="79",
        province_legacy="TP. Hồ Chí Minh",
        channel="post",
        violation="drugs",
        commodity="synthetic_drugs",
        commodity_group="drugs",
        goods_value_vnd=2.3e9,
        outcome="referred",
        place_raw=None,
        source_row=8,
    ),
    "LS-004": dict(
        detected_on=dt.date(2021, 3, 15),
        province="Lạng Sơn",
        channel="road",
        violation="smuggling",
        commodity="cigarettes",
        commodity_raw="Thuốc lá điếu",
        goods_value_vnd=0.5e6,
        outcome="unknown",
        place_raw="Hữu Nghị",
        channel_raw="Đường bộ",
        violation_raw="Buôn lậu",
        source_row=9,
    ),
}


def test_xlsx_report_every_field(report_xlsx):
    res = tk.load_cases(report_xlsx)
    c = res.cases
    assert c.columns[: len(CASE_SCHEMA)] == list(CASE_SCHEMA)
    assert c.schema["channel"] == CASE_SCHEMA["channel"]
    # repeated text (codes, regions, raw spellings, units) is Categorical: 4 bytes a row, not a 16-byte String view
    assert dict(c.select(list(CASE_SCHEMA)).schema) == CASE_SCHEMA
    assert sorted(c["case_id"]) == sorted(EXPECTED)
    for cid, fields in EXPECTED.items():
        got = row(c, cid)
        for k, v in fields.items():
            assert got[k] == pytest.approx(v) if isinstance(v, float) else got[k] == v, (cid, k)
        assert got["source_file"] == "LS_2021-03.xlsx" and got["source_sheet"] == "Tháng 3"
    # extra columns are kept under their own header
    assert row(c, "LS-001")["Ghi chú"] == "ghi chú 1" and row(c, "LS-001")["STT"] == "1"


def test_xlsx_report_rejects_with_every_reason(report_xlsx):
    res = tk.load_cases(report_xlsx)
    rej = res.rejected.sort("source_row")
    assert rej["source_row"].to_list() == [11, 12]
    assert rej["reason_code"].to_list() == ["date_invalid", "channel_unknown"]
    assert "'31/02/2021' is not a real date" in rej["reason"][0]
    # a row with two problems names both columns and both reasons
    assert rej["column"][1] == "Phương thức vận chuyển, Trị giá (triệu đồng)"
    assert (
        "'Tàu vũ trụ' is not a known transport channel" in rej["reason"][1]
        and "'nhiều' is not an amount" in rej["reason"][1]
    )
    assert rej["Ngày bắt giữ" if "Ngày bắt giữ" in rej.columns else "Thông tin vụ việc Ngày bắt giữ"][0] == "31/02/2021"


def test_xlsx_report_accounts_for_skipped_rows_and_sheets(report_xlsx):
    res = tk.load_cases(report_xlsx)
    skipped = res.skipped.sort("source_sheet", "source_row").select("source_sheet", "source_row", "kind").rows()
    assert skipped == [("Hướng dẫn", 1, "sheet_skipped"), ("Tháng 3", 10, "blank"), ("Tháng 3", 13, "total")]
    f = res.files
    notes = f.filter(pl.col("source_sheet") == "Hướng dẫn").row(0, named=True)
    assert notes["note"].startswith("sheet skipped: không tìm thấy dòng tiêu đề / no recognisable header")
    assert (notes["rows_read"], notes["skipped"]) == (1, 1)  # the note row is counted, not lost
    sheet = f.filter(pl.col("source_sheet") == "Tháng 3").row(0, named=True)
    assert (sheet["rows_read"], sheet["accepted"], sheet["rejected"], sheet["skipped"]) == (8, 4, 2, 2)


def test_sheet_argument(report_xlsx):
    assert tk.load_cases(report_xlsx, sheet="Tháng 3").files.height == 1
    assert tk.load_cases(report_xlsx, sheet=0).cases.height == 4
    with pytest.raises(TrendkitInputError, match=r"no sheet named 'T4'.*Tháng 3, Hướng dẫn"):
        tk.load_cases(report_xlsx, sheet="T4")
    with pytest.raises(TrendkitInputError, match="no recognisable header"):
        tk.load_cases(report_xlsx, sheet="Hướng dẫn")


LINES = [
    HEADER,
    'A1,12/01/2021,Quảng Ninh,Đường biển,Buôn lậu,Xăng dầu,"1.234.567",Xử phạt hành chính,Cái Lân',
    "A2,2021-01-13,Hà Giang,Đường bộ,Hàng giả,Quần áo,350 triệu,,Thanh Thủy",
]


@pytest.mark.parametrize(
    ("encoding", "sep"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1258", ","), ("cp1258", ";")],
)
def test_csv_encodings_and_separators(tmp_path, encoding, sep):
    text = "\n".join(LINES).replace(",", sep) if sep != "," else "\n".join(LINES)
    if sep != ",":  # the quoted value keeps its own punctuation
        text = text.replace('"1.234.567"', "1.234.567")
    path = tmp_path / "x.csv"
    path.write_bytes(cp1258_bytes(text) if encoding == "cp1258" else text.encode(encoding))
    res = tk.load_cases(path)
    assert res.rejected.height == 0, res.rejected
    a1, a2 = row(res.cases, "A1"), row(res.cases, "A2")
    assert (a1["province"], a1["channel"], a1["goods_value_vnd"], a1["place_raw"], a1["outcome"]) == (
        "Quảng Ninh",
        "sea",
        1234567.0,
        "Cái Lân",
        "administrative",
    )
    assert (a2["province"], a2["province_legacy"], a2["province_code"], a2["violation"], a2["goods_value_vnd"]) == (
        "Tuyên Quang",
        "Hà Giang",
        "08",
        "counterfeit",
        350e6,
    )
    assert a2["detected_on"] == dt.date(2021, 1, 13)


def test_cp1258_file_with_tcvn3_cells(tmp_path):
    # A Windows-1258 file whose province cell was typed with an ABC (TCVN3) font
    body = HEADER + "\nB1,12/01/2021,"
    raw = cp1258_bytes(body) + "L¹ng S¬n".encode("latin-1") + cp1258_bytes(",Đường bộ,Buôn lậu,Đường cát,5,,\n")
    path = tmp_path / "cp.csv"
    path.write_bytes(raw)
    res = tk.load_cases(path)
    assert row(res.cases, "B1")["province"] == "Lạng Sơn"
    assert row(res.cases, "B1")["commodity"] == "sugar"


def test_parquet_typed_columns(tmp_path):
    df = pl.DataFrame(
        {
            "case_id": ["P1", "P2"],
            "detected_on": [dt.date(2021, 5, 1), dt.date(2025, 8, 1)],
            "province": ["Yên Bái", "Lào Cai"],
            "channel": ["road", "air"],
            "goods_value_vnd": [123.456, 2e9],
            "note": ["x", "y"],
        }
    )
    path = tmp_path / "p.parquet"
    df.write_parquet(path)
    res = tk.load_cases(path)
    p1, p2 = row(res.cases, "P1"), row(res.cases, "P2")
    # stored numbers are never re-read as "123.456" = 123456; values are whole đồng
    assert p1["goods_value_vnd"] == 123.0
    assert (p1["province"], p1["province_legacy"]) == ("Lào Cai", "Yên Bái")
    # after the merger, "Lào Cai" may mean the merged province: the legacy name is not guessed
    assert (p2["province"], p2["province_legacy"]) == ("Lào Cai", None)
    assert p2["note"] == "y" and p1["source_row"] == 2


def test_a_parquet_file_read_in_slices_loads_exactly_as_read_whole(tmp_path, monkeypatch):
    """A big Parquet file is normalised a slice at a time and keeps the original cells of its problem
    rows only; a row a later slice supersedes (a duplicate id) is read again for the rejected table.
    Every table must equal the one-slice load: cases, rejected (with the original cells), skipped, files."""
    import trendkit.ingest.readers as readers

    n = 23
    ids = [f"C{i}" for i in range(n)]
    ids[17], ids[20] = "C3", "C9"  # C3 (slice 1) superseded by slice 4; C9 superseded within slice 3/4
    days = ["12/03/2021"] * n
    days[11] = "31/02/2021"  # a bad date in slice 3
    df = pl.DataFrame(
        {
            "Mã vụ việc": ids,
            "Ngày phát hiện": days,
            "Tỉnh/TP": [" Tỉnh Lạng Sơn ", "Lào Cai", "=HYPERLINK(1)", "Cao Bằng"] * 5 + ["Lào Cai"] * 3,
            "Tuyến": ["Đường bộ", "  Hàng không"] * 11 + ["tàu vũ trụ"],
            "Trị giá (đồng)": [1000.0 * i for i in range(n)],
        }
    )
    path = tmp_path / "big.parquet"
    df.write_parquet(path)
    whole = tk.load_cases(path)
    monkeypatch.setattr(readers, "PARQUET_BATCH", 5)
    sliced = tk.load_cases(path)
    assert whole.rejected.height == 9 and set(whole.rejected["reason_code"]) == {
        "duplicate", "date_invalid", "province_unknown", "channel_unknown"}  # fmt: skip
    assert_frame_equal(sliced.cases, whole.cases)
    for table in ("rejected", "skipped", "files"):
        assert_frame_equal(getattr(sliced, table), getattr(whole, table))
    dup = sliced.rejected.filter(pl.col("reason_code") == "duplicate").sort("source_row")
    assert dup["source_row"].to_list() == [5, 11] and dup["Tỉnh/TP"].to_list() == ["Cao Bằng", "Lào Cai"]


def _big_csv(n: int = 130) -> list[str]:
    """Lines of a CSV with something to reject, skip or supersede in each of its 40-row slices."""
    lines = ["Mã vụ việc,Ngày phát hiện,Tỉnh/TP,Tuyến,Trị giá (đồng),Ghi chú"]
    provinces = [" Tỉnh Lạng Sơn ", "Lào Cai", "Cao Bằng", '"=HYPERLINK(1)"']
    for i in range(1, n):
        lines.append(f'C{i},12/03/2021,{provinces[i % 4]},{["Đường bộ", "Hàng không"][i % 2]},"1.{i:03d}",x{i}')
    lines[5] = "C50,12/03/2021,Lào Cai,Đường bộ,1,superseded by slice 2"  # C50 again at line 51
    lines[60] = "C70,12/03/2021,Lào Cai,Đường bộ,1,superseded within slice 2"
    lines[85] = "C85,31/02/2021,Lào Cai,Đường bộ,1,bad date"
    lines[95] = "C95,12/03/2021,Lào Cai,tàu vũ trụ,1,unknown channel"
    lines[90] = ",,,,,"  # blank
    lines[100] = "Tổng cộng,,,,999,"  # a total row
    return lines


def _sliced_and_whole(path, monkeypatch, batch=5):
    import trendkit.ingest.readers as readers

    whole = tk.load_cases(path)
    monkeypatch.setattr(readers, "CSV_SLICE_BYTES", 0)  # every file is big
    monkeypatch.setattr(readers, "CSV_BATCH", batch)  # 5: slices of 40 rows, the preview's length at least
    return tk.load_cases(path), whole


def _assert_same_load(sliced, whole):
    assert_frame_equal(sliced.cases, whole.cases)
    for table in ("rejected", "skipped", "files", "skipped_files"):
        assert_frame_equal(getattr(sliced, table), getattr(whole, table))


def test_a_big_csv_read_in_slices_loads_exactly_as_read_whole(tmp_path, monkeypatch):
    """A big plain CSV is normalised 40 rows at a time (here) by the first slice's header; a row a
    later slice supersedes is read again from the file for the rejected table."""
    import trendkit.ingest.readers as readers

    path = tmp_path / "big.csv"
    path.write_text("\n".join(_big_csv()) + "\n", encoding="utf-8")
    sliced, whole = _sliced_and_whole(path, monkeypatch)
    _assert_same_load(sliced, whole)
    assert len(readers.read_file(path)) == 4  # 130 lines in slices of 40
    assert whole.cases.height == 92 and whole.files["rows_read"].to_list() == [129]
    assert set(whole.rejected["reason_code"]) == {"duplicate", "date_invalid", "province_unknown", "channel_unknown"}
    dup = sliced.rejected.filter(pl.col("reason_code") == "duplicate").sort("source_row")
    assert dup["source_row"].to_list() == [6, 61] and dup["Ghi chú"].to_list()[0] == "superseded by slice 2"
    assert sliced.skipped["kind"].to_list() == ["blank", "total"]


def test_a_big_csv_whose_name_is_not_utf8_is_read_in_slices_from_its_bytes(tmp_path, monkeypatch):
    import os

    import trendkit.ingest.readers as readers

    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/B\xe1o c\xe1o.csv"))  # polars cannot open this name
    path.write_text("\n".join(_big_csv()) + "\n", encoding="utf-8")
    sliced, whole = _sliced_and_whole(path, monkeypatch)
    _assert_same_load(sliced, whole)
    assert whole.cases["source_file"].unique().to_list() == ["B\ufffdo c\ufffdo.csv"]
    assert len(readers.read_file(path)) == 4


def test_a_big_csv_with_a_wider_row_in_a_later_slice_is_read_again_whole(tmp_path, monkeypatch):
    """The fast reader meets the wider row only in a late slice (polars reads a small file in one go,
    so the file is 60,000 rows): the slices loaded so far are dropped and the file read again."""
    import trendkit.ingest.readers as readers

    lines = _big_csv(60_000)
    lines[59_000] = "C59000,12/03/2021,Lào Cai,Đường bộ,1,x,an unquoted extra field"
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sliced, whole = _sliced_and_whole(path, monkeypatch, batch=5_000)
    with pytest.raises(readers.ReadWhole):  # the slices themselves fail past the first two
        list(readers.iter_sheets(path))
    _assert_same_load(sliced, whole)
    assert sliced.rejected.filter(pl.col("reason_code") == "too_many_fields")["source_row"].to_list() == [59_001]


def test_a_big_csv_with_no_case_table_is_skipped_once_with_every_row_counted(tmp_path, monkeypatch):
    path = tmp_path / "notes.csv"
    path.write_text("\n".join(f"ghi chú {i},x" for i in range(130)) + "\n", encoding="utf-8")
    (tmp_path / "ok.csv").write_text("\n".join(_big_csv()[:10]) + "\n", encoding="utf-8")
    sliced, whole = _sliced_and_whole(tmp_path, monkeypatch)
    _assert_same_load(sliced, whole)
    assert whole.files.filter(pl.col("source_file") == "notes.csv")["skipped"].to_list() == [130]  # every row
    assert whole.skipped_files["file"].to_list() == ["notes.csv"]
    with pytest.raises(TrendkitInputError) as named:  # a file named alone: its slices' reason, said once
        tk.load_cases(path)
    assert str(named.value).count("no recognisable header") == 1


def test_columns_mapping_and_unmapped_kept(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Số TT,Ngày lập biên bản,Địa bàn,Tuyến,Hàng\n1,02/02/2022,Hải Phòng,,Phế liệu\n", encoding="utf-8")
    with pytest.raises(
        TrendkitInputError, match=r"no column for detected_on.*columns=\{'your header': 'detected_on'\}"
    ):
        tk.load_cases(path)
    res = tk.load_cases(path, columns={"Ngày lập biên bản": "detected_on", "Hàng": "commodity_raw"})
    r = res.cases.row(0, named=True)
    assert (r["detected_on"], r["province"], r["commodity"], r["Số TT"]) == (
        dt.date(2022, 2, 2),
        "Hải Phòng",
        "scrap",
        "1",
    )
    assert r["case_id"].startswith("auto-") and r["channel"] == "unknown"
    with pytest.raises(ValueError, match="'when' is not a canonical column"):
        tk.load_cases(path, columns={"Ngày lập biên bản": "when"})


def test_generated_ids_are_stable_and_distinct(tmp_path):
    path = tmp_path / "noid.csv"
    path.write_text("Ngày,Tỉnh\n01/01/2021,Cao Bằng\n01/01/2021,Cao Bằng\n", encoding="utf-8")
    a, b = tk.load_cases(path).cases, tk.load_cases(path).cases
    assert a["case_id"].to_list() == b["case_id"].to_list()
    assert a["case_id"].n_unique() == 2  # two identical rows are two cases, not a duplicate


def test_duplicates_last_occurrence_wins(tmp_path):
    (tmp_path / "2021-01.csv").write_text(
        HEADER + "\nD1,05/01/2021,Lạng Sơn,Đường bộ,,,1,,\nD2,06/01/2021,Lạng Sơn,Đường bộ,,,1,,\n", encoding="utf-8"
    )
    (tmp_path / "2021-02.csv").write_text(HEADER + "\nD1,05/01/2021,Lạng Sơn,Đường bộ,,,1,Khởi tố,\n", encoding="utf-8")
    res = tk.load_cases(tmp_path)
    assert res.cases.height == 2
    assert row(res.cases, "D1")["outcome"] == "criminal" and row(res.cases, "D1")["source_file"] == "2021-02.csv"
    dup = res.rejected.row(0, named=True)
    assert (dup["reason_code"], dup["source_file"], dup["source_row"]) == ("duplicate", "2021-01.csv", 2)
    assert "superseded by 2021-02.csv row 2" in dup["reason"]
    assert res.files.filter(pl.col("source_file") == "2021-01.csv")["duplicates"].item() == 1


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "file not found"),
        ("bad.xlsx", b"this is not a zip", "named like a workbook but it is a text file"),
        ("locked.xlsx", OLE + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le"), "password-protected"),
        ("renamed.xlsx", OLE + b"\x00" * 100, "damaged Excel 97-2003 workbook"),  # the real format, not 'encrypted'
        ("old.xls", OLE + b"\x01" * 600, "damaged Excel 97-2003 workbook"),
        ("notes.zip.xlsx", _zip({"readme.txt": "hello"}), "zip archive that holds no workbook"),
        ("notes.csv", b"just some words\nand more words\n", "no recognisable header"),
        ("bin.csv", b"\x00\x01\x02\x03" * 10, "binary data"),
        ("bad.parquet", b"PAR1 nope", "not a readable Parquet"),
        ("x.json", b"{}", "unsupported file type"),
    ],
)
def test_unreadable_files_raise_clear_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TrendkitInputError, match=message) as err:
        tk.load_cases(path)
    assert name in str(err.value)


def test_empty_folder(tmp_path):
    with pytest.raises(TrendkitInputError, match="holds no case extracts"):
        tk.load_cases(tmp_path)


def test_summary_text_and_html(report_xlsx):
    s = tk.load_cases(report_xlsx).summary()
    text = str(s)
    assert "9 rows from 1 file(s): 4 accepted, 2 rejected (0 duplicates), 3 skipped" in text  # + the notes sheet
    assert "date_invalid × 1" in text
    assert "<table>" in s._repr_html_() and "LS_2021-03.xlsx" in s._repr_html_()
    assert s.table.height == 2  # one row per file and sheet


def test_html_summary_escapes(tmp_path):
    (tmp_path / "<b>evil<b>.csv").write_text("Ngày,Tỉnh\n01/01/2021,Cao Bằng\n", encoding="utf-8")
    html = tk.load_cases(tmp_path).summary()._repr_html_()
    assert "<b>evil<b>" not in html and "&lt;b&gt;evil&lt;b&gt;" in html


@pytest.mark.parametrize("seed", range(40))
def test_the_distinct_check_agrees_with_counting(seed):
    from trendkit.ingest.loader import _distinct

    rng = random.Random(seed)
    ids = [rng.choice([None, *(f"A{rng.randrange(60)}" for _ in range(5))]) for _ in range(rng.randrange(2, 40))]
    for order in (ids, sorted(ids, key=lambda x: (x is not None, x or ""))):
        s = pl.Series(order, dtype=pl.String)
        assert _distinct(s) == (s.n_unique() == s.len()), order
