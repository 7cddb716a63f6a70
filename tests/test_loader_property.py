"""Property: whatever a messy table holds, every data row is accounted for, and the only
exception a user can meet is TrendkitInputError."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import trendkit as tk
from trendkit.errors import TrendkitInputError
from trendkit.ingest.vocab import HEADERS
from trendkit.text import strip_diacritics

FIELDS = [
    "case_id",
    "detected_on",
    "province",
    "channel",
    "violation",
    "commodity_raw",
    "goods_value_vnd",
    "outcome",
    "place_raw",
]
GOOD = {
    "detected_on": ["12/01/2021", "1-2-2021", "03.03.2021", "2021-04-05", "44208", "ngày 9 tháng 6 năm 2021"],
    "province": [
        "Lạng Sơn",
        "LANG SON",
        "Tỉnh Quảng Ninh",
        "TP.HCM",
        "Sài Gòn",
        "VN-02",
        "Yên Bái",
        "lào cai",
        "22",
        "Huế",
    ],
    "channel": ["Đường bộ", "đường biển", "Hàng không", "CPN", "Bưu chính", "rail", "", "Nội địa", "ĐB", "HK", "TMĐT"],
    "violation": ["Buôn lậu", "gian lận thương mại", "Hàng giả", "xyz", ""],
    "commodity_raw": ["Thuốc lá", "Pháo nổ", "Đường cát", "", "đồ lạ"],
    "goods_value_vnd": ["1.234.567", "12,5 tỷ", "350 triệu", "2 tỷ 300 triệu", "0", "", "1.234,5", "１.２３４.５６７"],
    "outcome": ["Khởi tố", "Xử phạt hành chính", "", "???", "XLHC", "KT VAHS", "Chuyển CQĐT"],
    "place_raw": ["Hữu Nghị", "Móng Cái", ""],
}
BAD = {
    "detected_on": ["31/02/2021", "", "hôm qua", "2021-13-40"],
    "province": ["Atlantis", ""],
    "channel": ["tàu vũ trụ"],
    "goods_value_vnd": ["nhiều", "5 tỷ abc", "-3", "9" * 400, "=B3*2"],  # a formula: never calculated in .xlsx
}
TCVN3 = {"province": "L¹ng S¬n", "channel": "§\u00adêng bé", "violation": "Bu«n lËu", "commodity_raw": "Thuèc l¸"}
VNI = {"province": "Laïng Sôn", "channel": "Ñöôøng boä", "violation": "Buoân laäu", "commodity_raw": "Thuoác laù"}
# company and person names that fold to a total word ("cong", "tong"): a case row, never a subtotal
NAMES = ["Công ty TNHH Tổng Hợp Bắc", "Tống Văn Cộng", "Cộng hòa", "CÔNG TY CP TỔNG CÔNG", "Tống Thị Tổng", "",
         "Nguyễn Văn A"]  # fmt: skip
SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


def spelling(draw, field: str) -> str:
    alias = draw(st.sampled_from(list(HEADERS[field])))
    alias = draw(st.sampled_from([alias, alias.upper(), strip_diacritics(alias), f"  {alias} ", alias.title()]))
    if field == "goods_value_vnd" and draw(st.booleans()):
        alias += draw(st.sampled_from([" (đồng)", " (triệu đồng)", " (VND)"]))
    return alias


def cell(draw, f: str, i: int, kind: str, bad_field: str | None) -> str:
    """One cell of a case row of the given kind."""
    if f == "case_id":
        return f"ID{i}"
    if f == "offender":
        return draw(st.sampled_from(NAMES))
    if f == bad_field:
        return draw(st.sampled_from(BAD[f]))
    if kind == "garbage" and draw(st.booleans()):
        return draw(SAFE_TEXT)
    if kind == "tcvn3" and f in TCVN3:
        return TCVN3[f]
    if kind == "vni" and f in VNI:
        return VNI[f]
    return draw(st.sampled_from(GOOD.get(f, [""])))


@st.composite
def tables(draw):
    fields = ["detected_on", "province", *draw(st.lists(st.sampled_from(FIELDS[:1] + FIELDS[3:]), unique=True))]
    header = [spelling(draw, f) for f in fields]
    named = draw(st.booleans())  # an offender column holding company and person names
    if named:
        fields, header = [*fields, "offender"], [*header, "Đối tượng vi phạm"]
    rows, kinds = [], []
    for i in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["good", "good", "good", "bad", "garbage", "blank", "total", "tcvn3", "vni"]))
        if kind == "blank":
            row = [""] * len(fields)
        elif kind == "total":
            row = [draw(st.sampled_from(["Tổng cộng", "Cộng", "TỔNG CỘNG", "Total"]))] + [""] * (len(fields) - 1)
            if "case_id" in fields and "detected_on" in fields and draw(st.booleans()):
                row = [""] * (len(fields) - 1) + [row[0]]  # the label in the last column: still a total
        else:
            bad_field = draw(st.sampled_from([f for f in fields if f in BAD])) if kind == "bad" else None
            row = [cell(draw, f, i, kind, bad_field) for f in fields]
        rows.append(row)
        kinds.append(kind)
    title = draw(st.lists(st.sampled_from(["BÁO CÁO THÁNG 3/2021", "Đơn vị: Cục Hải quan", ""]), max_size=3))
    fmt = draw(st.sampled_from(["csv-utf8", "csv-bom", "csv-utf16", "csv-semicolon", "csv-tab", "xlsx", "xls", "ods"]))
    return title, header, rows, kinds, fmt, fields


def write(path: Path, title, header, rows, fmt) -> Path:
    if fmt == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        for t in title:
            ws.append([t])
        ws.append(header)
        for r in rows:
            ws.append([c if c != "" else None for c in r])
        out = path.with_suffix(".xlsx")
        wb.save(out)
        return out
    if fmt in ("xls", "ods"):
        grid = [[t] for t in title] + [header] + rows
        from tests.test_formats import _xls_from_rows, write_ods

        cells = [[c if c != "" else None for c in r] for r in grid]
        if fmt == "ods":
            return write_ods(path.with_suffix(".ods"), "T3", cells)
        return _xls_from_rows(path.with_suffix(".xls"), cells)
    sep = {"csv-semicolon": ";", "csv-tab": "\t"}.get(fmt, ",")
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    for t in title:
        w.writerow([t])
    w.writerow(header)
    w.writerows(rows)
    enc = {"csv-bom": "utf-8-sig", "csv-utf16": "utf-16"}.get(fmt, "utf-8")
    out = path.with_suffix(".csv")
    out.write_bytes(buf.getvalue().encode(enc))
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_row_is_accounted_for(table):
    title, header, rows, kinds, fmt, fields = table
    with tempfile.TemporaryDirectory() as d:
        path = write(Path(d) / "messy", title, header, rows, fmt)
        try:
            res = tk.load_cases(path)
        except TrendkitInputError:
            return
    if fmt in ("xlsx", "xls", "ods"):  # a workbook does not store empty rows after its last cell
        while kinds and kinds[-1] == "blank":
            kinds, rows = kinds[:-1], rows[:-1]
    n_in = len(rows)
    assert res.cases.height + res.rejected.height + res.skipped.height == n_in
    assert res.files["rows_read"].sum() == n_in
    # row numbers are those a spreadsheet user sees, and no row is in two places
    first = len(title) + 2
    seen = sorted([*res.cases["source_row"], *res.rejected["source_row"], *res.skipped["source_row"]])
    assert seen == list(range(first, first + n_in))
    by_row = {r: k for r, k in zip(range(first, first + n_in), kinds, strict=True)}
    for r in res.cases["source_row"]:
        assert by_row[r] not in ("bad", "blank", "total")
    for r in res.rejected["source_row"]:
        assert by_row[r] not in ("good", "tcvn3", "vni", "blank")
    assert all(by_row[r] in ("blank", "total", "garbage") for r in res.skipped["source_row"])
    bad_rows = {r for r, k in by_row.items() if k == "bad"}
    assert bad_rows <= set(res.rejected["source_row"])
    if "goods_value_vnd" in fields:  # an accepted value cell is read, never dropped to null
        j = fields.index("goods_value_vnd")
        cell = {r: row[j] for r, row in zip(range(first, first + n_in), rows, strict=True)}
        for r, v in res.cases.select("source_row", "goods_value_vnd").iter_rows():
            assert (v is None) == (cell[r].strip() == ""), (r, cell[r], v)
