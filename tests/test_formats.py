"""Every spreadsheet format through calamine, told apart by content; hostile workbooks refused fast.

Fixtures are written by the tests: .xlsx by openpyxl, .xls by xlwt, .ods by hand (a zip with
``content.xml``), each from the same provincial report (title rows, merged two-row header).
No Python library writes .xlsb, so .xlsb is covered by format detection only.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import resource
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest

import trendkit as tk
from trendkit.errors import TrendkitInputError
from trendkit.ingest import excel
from trendkit.ingest.excel import sniff

CASE_COLUMNS = ["case_id", "detected_on", "province", "channel", "violation", "outcome", "goods_value_vnd"]


def _cells(xlsx: Path) -> tuple[str, list[list[object]], list[tuple[int, int, int, int]]]:
    import openpyxl

    ws = openpyxl.load_workbook(xlsx).active
    merges = [(r.min_row - 1, r.max_row - 1, r.min_col - 1, r.max_col - 1) for r in ws.merged_cells.ranges]
    return ws.title, [list(row) for row in ws.iter_rows(values_only=True)], merges


def _to_xls(xlsx: Path, path: Path) -> Path:
    import xlwt

    title, rows, merges = _cells(xlsx)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(title)
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    covered = {(r, c) for r0, r1, c0, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r0, r1, c0, c1 in merges:
        ws.write_merge(r0, r1, c0, c1, rows[r0][c0])
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is None or (i, j) in covered:
                continue
            ws.write(i, j, v, dates) if isinstance(v, dt.date) else ws.write(i, j, v)
    wb.save(str(path))
    return path


class OdsError(str):
    """An error cell as LibreOffice stores it: the number 0, marked as an error, with its text."""


class OdsStringError(OdsError):
    """An error cell stored the other way LibreOffice does: an empty string, marked as an error."""


def _ods_cell(v: object) -> str:
    if v is None:
        return "<table:table-cell/>"
    if isinstance(v, OdsStringError):
        return (f'<table:table-cell office:value-type="string" office:string-value="" calcext:value-type="error">'
                f"<text:p>{v}</text:p></table:table-cell>")  # fmt: skip
    if isinstance(v, OdsError):
        return (f'<table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="0" '
                f'calcext:value-type="error"><text:p>{v}</text:p></table:table-cell>')  # fmt: skip
    if isinstance(v, bool | int | float):
        return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
    if isinstance(v, dt.datetime | dt.date):
        d = v.date() if isinstance(v, dt.datetime) else v
        value = f'office:value-type="date" office:date-value="{d.isoformat()}"'
        return f"<table:table-cell {value}><text:p>{d}</text:p></table:table-cell>"
    return f'<table:table-cell office:value-type="string"><text:p>{html.escape(str(v))}</text:p></table:table-cell>'


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def write_ods(path: Path, title: str, rows: list[list[object]], extra: str = "") -> Path:
    body = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
        'office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="{html.escape(title)}">{body}{extra}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", MANIFEST)
    return path


def _to_ods(xlsx: Path, path: Path) -> Path:
    title, rows, _ = _cells(xlsx)
    return write_ods(path, title, rows)


def _cases(path: Path) -> pl.DataFrame:
    return tk.load_cases(path).cases.select(CASE_COLUMNS).sort("case_id")


def test_xls_and_ods_give_the_same_cases_as_xlsx(report_xlsx, tmp_path):
    expected = _cases(report_xlsx)
    assert expected.height >= 2
    for convert, name in ((_to_xls, "BC_T3.xls"), (_to_ods, "BC_T3.ods")):
        path = convert(report_xlsx, tmp_path / name)
        assert _cases(path).equals(expected), name


def test_the_format_comes_from_the_content_not_the_name(report_xlsx, tmp_path):
    xls = _to_xls(report_xlsx, tmp_path / "real.xls")
    renamed = tmp_path / "looks_new.xlsx"
    renamed.write_bytes(xls.read_bytes())
    assert sniff(renamed) == "xls" and sniff(report_xlsx) == "xlsx"
    assert _cases(renamed).equals(_cases(report_xlsx))  # read as the .xls it is, not called encrypted
    ods = _to_ods(report_xlsx, tmp_path / "x.ods")
    assert sniff(ods) == "ods"
    xlsb = tmp_path / "b.xlsb"
    with zipfile.ZipFile(xlsb, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\x00\x01")
    assert sniff(xlsb) == "xlsb"
    with pytest.raises(TrendkitInputError, match=r"b\.xlsb: tệp hỏng / a damaged Excel binary workbook"):
        tk.load_cases(xlsb)


def test_a_folder_reads_xls_and_ods_and_lists_what_it_skips(report_xlsx, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _to_xls(report_xlsx, folder / "T3.xls")
    ods_rows = [["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP"], ["OD-1", "14/03/2021", "Huế"]]
    write_ods(folder / "T4.ods", "T4", ods_rows)
    (folder / "README.txt").write_text("Báo cáo tháng\n", encoding="utf-8")
    (folder / "~$T3.xls").write_bytes(b"lock")
    res = tk.load_cases(folder)
    read = res.files.filter(pl.col("accepted") > 0)["source_file"].to_list()
    assert sorted(read) == ["T3.xls", "T4.ods"] and "OD-1" in res.cases["case_id"].to_list()
    skipped = dict(res.skipped_files.iter_rows())
    assert set(skipped) == {"README.txt", "in/~$T3.xls"} and "no case table" in skipped["README.txt"]


def test_typed_numbers_and_dates_stay_exact(tmp_path):
    rows = [["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP", "Trị giá (triệu đồng)"],
            ["N-1", dt.date(2024, 3, 5), "Huế", 123.456], ["N-2", dt.date(2024, 3, 6), "Huế", 1234.5]]  # fmt: skip
    for path in (write_ods(tmp_path / "n.ods", "T3", rows), _xls_from_rows(tmp_path / "n.xls", rows)):
        cases = tk.load_cases(path).cases.sort("case_id")
        # 123.456 million đồng is 123,456,000, never 123,456 million read from the text "123.456"
        assert cases["goods_value_vnd"].to_list() == [123_456_000.0, 1_234_500_000.0], path.name
        assert cases["detected_on"].to_list() == [dt.date(2024, 3, 5), dt.date(2024, 3, 6)], path.name


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_an_error_cell_is_read_as_its_text_like_a_csv_export(tmp_path, fmt):
    # calamine reads an .xlsx error cell (#N/A, #DIV/0!, #REF!) as empty and an .ods one as the 0
    # LibreOffice stores: a broken value would be accepted as "no value", or as 0 đồng
    import openpyxl

    rows = [["BÁO CÁO THÁNG 3/2024"], ["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP", "Trị giá", "Ghi chú"],
            ["E-1", dt.date(2024, 3, 5), "Huế", OdsError("#DIV/0!"), "x"],
            ["E-2", OdsStringError("#REF!"), "Huế", 5, "y"],
            ["E-3", dt.date(2024, 3, 7), "Huế", 7, OdsError("#N/A")]]  # fmt: skip
    if fmt == "ods":
        path = write_ods(tmp_path / "e.ods", "T3", rows)
    else:
        book = openpyxl.Workbook()
        for row in rows:  # openpyxl stores "#DIV/0!" … as error cells (t="e"), as Excel does
            book.active.append([str(v) if isinstance(v, OdsError) else v for v in row])
        path = tmp_path / "e.xlsx"
        book.save(path)
        assert zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").count(b't="e"') == 3
    res = tk.load_cases(path)
    got = res.rejected.select("source_row", "value", "reason_code").rows()
    assert got == [(3, "#DIV/0!", "value_invalid"), (4, "#REF!", "date_invalid")]
    assert res.cases.select("case_id", "Ghi chú").rows() == [("E-3", "#N/A")]
    text = "\n".join(";".join(str(v) for v in r) for r in rows)
    (tmp_path / "e.csv").write_text(text.replace("2024-03-05", "05/03/2024").replace("2024-03-07", "07/03/2024"))
    assert tk.load_cases(tmp_path / "e.csv").rejected.select("source_row", "value", "reason_code").rows() == got


def test_a_formula_never_calculated_is_read_as_its_formula_and_a_stored_result_as_its_value(tmp_path):
    # openpyxl, like many report generators, writes formulas with no result; calamine reads them as empty
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP", "Trị giá", "Ghi chú"],
                ["F-1", "12/03/2021", "Huế", "=2*3", "x"], ["F-2", "12/03/2021", "Huế", 5, '=CONCAT("a","b")'],
                ["F-3", "12/03/2021", "Huế", "=1+1", "z"]):  # fmt: skip
        book.active.append(row)
    book.save(tmp_path / "f.xlsx")
    calculated = b"<f>1+1</f><v>2</v>"  # F-3 as Excel saves it: with its result
    path = _patched(tmp_path / "f.xlsx", tmp_path / "calculated.xlsx", "xl/worksheets/sheet1.xml",
                    lambda xml: re.sub(rb"<f>1\+1</f><v(?: />|></v>)", calculated, xml))  # fmt: skip
    res = tk.load_cases(path)
    assert res.rejected.select("source_row", "value", "reason_code").rows() == [(2, "=2*3", "value_invalid")]
    assert res.cases.select("case_id", "goods_value_vnd", "Ghi chú").rows() == [
        ("F-2", 5.0, '=CONCAT("a","b")'), ("F-3", 2.0, "z")]  # fmt: skip


def test_an_ods_error_cell_keeps_its_place_after_empty_rows_written_short(tmp_path):
    rows = [["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP", "Trị giá"], ["E-1", "12/03/2021", "Huế", OdsError("#DIV/0!")]]
    gap = b'</table:table-row><table:table-row table:number-rows-repeated="2"/>'  # two empty rows, no end tag
    path = write_ods(tmp_path / "gap.ods", "T3", rows)
    path = _patched(path, tmp_path / "gap2.ods", "content.xml", lambda xml: xml.replace(b"</table:table-row>", gap, 1))
    res = tk.load_cases(path)
    assert res.rejected.select("source_row", "value").rows() == [(4, "#DIV/0!")] and res.skipped.height == 2


def _xls_from_rows(path: Path, rows: list[list[object]]) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("T3")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None:  # an empty cell is not written at all
                ws.write(i, j, v, dates) if isinstance(v, dt.date) else ws.write(i, j, v)
    wb.save(str(path))
    return path


# --- hostile workbooks ---------------------------------------------------------------------------


def _bounded(fn, seconds: float = 10.0, megabytes: float = 400.0):
    """Run ``fn``; it must finish within ``seconds`` and raise peak memory by at most ``megabytes``."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    try:
        fn()
    finally:
        took = time.perf_counter() - t
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
        assert took < seconds and grew < megabytes, (took, grew)


def test_a_far_away_cell_is_refused_quickly(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T3"
    ws.append(["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP"])
    ws.append(["F-1", "12/03/2021", "Huế"])
    ws["XFD1048576"] = "x"  # 17 billion cells from A1
    wb.save(tmp_path / "far.xlsx")
    spans = r"far\.xlsx \[T3\]: trang tính quá lớn / the sheet spans 1,048,576 rows × 16,384"
    with pytest.raises(TrendkitInputError, match=spans):
        _bounded(lambda: tk.load_cases(tmp_path / "far.xlsx"))


def _patched(src: Path, dst: Path, member: str, change) -> Path:
    """A copy of a zip-based workbook with one member's bytes changed."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                data, before = change(data), data
                assert data != before, f"{member}: the patch found nothing to change (the writer's XML changed?)"
            zout.writestr(item, data)
    return dst


def test_a_huge_merged_range_costs_nothing(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP"])
    ws.append(["M-1", "12/03/2021", "Huế"])
    wb.save(tmp_path / "plain.xlsx")  # openpyxl itself cannot build the range below: it makes every cell
    merge = b'</sheetData><mergeCells count="1"><mergeCell ref="D1:XFD1048576"/></mergeCells>'
    path = _patched(tmp_path / "plain.xlsx", tmp_path / "merged.xlsx", "xl/worksheets/sheet1.xml",
                    lambda xml: xml.replace(b"</sheetData>", merge))  # fmt: skip
    _bounded(lambda: tk.load_cases(path))


def test_a_zip_bomb_is_refused_while_it_unpacks(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "MAX_UNCOMPRESSED", 8 << 20)  # the real limit is 1 GiB: the same code path
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (32 << 20) + b"</worksheet>")
    assert path.stat().st_size < 200_000
    with pytest.raises(TrendkitInputError, match=r"bomb\.xlsx: giải nén quá lớn / unpacks to more than"):
        _bounded(lambda: tk.load_cases(path))


def test_xml_entities_are_never_expanded(report_xlsx, tmp_path):
    laughs = '<!DOCTYPE x [<!ENTITY a "' + "ha" * 50 + '">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    ) + "]>"  # fmt: skip
    bomb = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(report_xlsx) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                head, _, rest = data.partition(b"?>")
                data = head + b"?>" + laughs.encode() + rest.replace(b"<t>Hoa qu", b"<t>&i;Hoa qu", 1)
            dst.writestr(item, data)

    def load() -> None:
        try:
            res = tk.load_cases(bomb)
        except TrendkitInputError:
            return  # refused: fine
        text = " ".join(str(v) for v in res.cases.select(pl.col(pl.String)).row(1))
        assert "ha" * 1000 not in text  # 10^8 'ha's if expanded

    _bounded(load)


def test_a_huge_ods_repeat_is_refused(tmp_path):
    rows = [["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP"], ["O-1", "12/03/2021", "Huế"]]
    extra = ('<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string" '
             'table:number-columns-repeated="500"><text:p>x</text:p></table:table-cell></table:table-row>')  # fmt: skip
    path = write_ods(tmp_path / "rep.ods", "T3", rows, extra)
    with pytest.raises(TrendkitInputError, match=r"rep\.ods.*cells"):
        _bounded(lambda: tk.load_cases(path))


def test_load_reports_progress_per_file_and_the_cli_is_quiet_when_piped(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    for m in (3, 4):
        (folder / f"BC_T{m}.csv").write_text(f"Mã vụ việc;Ngày phát hiện;Tỉnh/TP\nA{m};12/0{m}/2021;Huế\n", "utf-8")
    (folder / "notes.docx").write_bytes(b"PK")
    calls = []
    tk.load_cases(folder, progress=lambda k, n, name: calls.append((k, n, name)))
    assert calls == [(1, 2, "BC_T3.csv"), (2, 2, "BC_T4.csv")]
    piped = subprocess.run([sys.executable, "-m", "trendkit.cli", "load", str(folder)], capture_output=True, text=True)
    assert piped.returncode == 0 and "█" not in piped.stderr + piped.stdout and "·" * 5 not in piped.stderr


def test_a_huge_csv_cell_is_refused_quickly(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("Mã vụ việc;Ngày phát hiện;Tỉnh/TP\nA1;12/03/2021;Huế\nA2;12/03/2021;" + "x" * 10_000_000 + "\n",
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(TrendkitInputError, match=r"long\.csv: ô quá dài / row 3, column 3 holds 10,000,000 characters"):
        _bounded(lambda: tk.load_cases(path))


def test_a_windows_1258_csv_is_found_out_even_past_the_first_64_kib(tmp_path):
    from tests.conftest import cp1258_bytes

    head = "Ma vu viec;Ngay phat hien;Tinh/TP;Tuyen\n"  # ASCII too: the first accent is past 64 KiB
    plain = "".join(f"A{i};12/03/2021;Hue;road\n" for i in range(4000))  # ASCII: 90 KB before any accent
    path = tmp_path / "old.csv"
    path.write_bytes(cp1258_bytes(head) + plain.encode() + cp1258_bytes("Z1;12/03/2021;Lạng Sơn;Đường bộ\n"))
    from trendkit.ingest.readers import read_file

    assert read_file(path)[0].codec == "cp1258"  # polars refused the bytes past 64 KiB: read again
    cases = tk.load_cases(path).cases
    assert cases.height == 4001 and cases.filter(pl.col("case_id") == "Z1")["province"].item() == "Lạng Sơn"


def test_a_sheet_of_error_cells_is_refused_within_bounds(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setattr(excel, "MAX_ERROR_CELLS", 1_000)  # a million in use: too slow to write here
    wb = openpyxl.Workbook()
    wb.active.title = "T3"
    for _ in range(1_200):
        wb.active.append(["#N/A", "#REF!"])
    wb.save(tmp_path / "errors.xlsx")
    errors = r"errors\.xlsx \[T3\]: quá nhiều ô lỗi / more than 1,000 cells hold an error"
    with pytest.raises(TrendkitInputError, match=errors):
        _bounded(lambda: tk.load_cases(tmp_path / "errors.xlsx"))


def test_a_repeated_ods_error_cell_is_refused_before_it_is_expanded(tmp_path):
    cell = OdsError("#N/A")
    huge = ('<table:table-row table:number-rows-repeated="1000001"><table:table-cell table:formula="of:=NA()" '
            'office:value-type="float" office:value="0" calcext:value-type="error"><text:p>#N/A</text:p>'
            "</table:table-cell></table:table-row>")  # fmt: skip
    path = write_ods(tmp_path / "errors.ods", "T3", [["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP"], [cell]], huge)
    errors = r"errors\.ods \[T3\]: quá nhiều ô lỗi / more than 1,000,000 cells hold"
    with pytest.raises(TrendkitInputError, match=errors):
        _bounded(lambda: tk.load_cases(path), seconds=5)
