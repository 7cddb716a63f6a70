"""Hostile input files, each a few kilobytes, that would make a naive reader take gigabytes or hang.

Each builder writes one file into a folder and returns its path; :data:`VARIANTS` names them all.
``tests/test_hostile.py`` loads each in a child process under an address-space cap and measures it;
``python tests/hostile.py OUT_DIR`` writes them all for a look by hand.
"""

from __future__ import annotations

import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HEADER = ["Mã vụ việc", "Ngày phát hiện", "Tỉnh/TP"]
ROW = ["H-1", "12/03/2021", "Huế"]


# --- .xlsx -----------------------------------------------------------------------------------------


def _xlsx(path: Path, sheet_xml: bytes, *, part: str = "xl/worksheets/sheet1.xml", extra: dict | None = None) -> Path:
    """A minimal workbook whose one sheet (at ``part``) is ``sheet_xml`` plus its header rows."""
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
        f' Target="/{part}"/></Relationships>'
    )
    book = (
        '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="T3" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/{part}" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    )
    head = "".join(
        f'<row r="{i}">'
        + "".join(f'<c r="{"ABC"[j]}{i}" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(row))
        + "</row>"
        for i, row in ((1, HEADER), (2, ROW))
    ).encode()
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + head + sheet_xml + b"</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels.replace(f"/{part}", "/xl/workbook.xml").replace("worksheet", "officeDocument"))
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr(part, sheet)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def xlsx_single_quotes(d: Path) -> Path:
    return _xlsx(d / "quotes.xlsx", b"<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>")


def xlsx_tab_before_r(d: Path) -> Path:
    return _xlsx(d / "tab.xlsx", b'<row\tr="1048576"><c\tr="XFD1048576"\tt="inlineStr"><is><t>x</t></is></c></row>')


def xlsx_nine_digit_row(d: Path) -> Path:
    return _xlsx(d / "nine.xlsx", b'<row r="123456789"><c r="C123456789" t="inlineStr"><is><t>x</t></is></c></row>')


def xlsx_no_r_in_far_row(d: Path) -> Path:
    cells = b'<c t="inlineStr"><is><t>x</t></is></c>' * 3
    return _xlsx(d / "nor.xlsx", b'<row r="1048576">' + cells + b"</row>")


def xlsx_part_outside_worksheets(d: Path) -> Path:
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return _xlsx(d / "elsewhere.xlsx", far, part="xl/elsewhere/data.xml")


def xlsx_five_letter_column(d: Path) -> Path:
    return _xlsx(d / "five.xlsx", b'<row r="3"><c r="AAAAA3" t="inlineStr"><is><t>x</t></is></c></row>')


def xlsx_unused_shared_strings(d: Path) -> Path:
    n = 50_000_000
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t/></si>" * n + b"</sst>"
    )
    return _xlsx(d / "strings.xlsx", b"", extra={"xl/sharedStrings.xml": strings})


def xlsx_many_sheets(d: Path, sheets: int = 300, rows: int = 40_000) -> Path:
    """Many sheets, each alone below the span limit, together far above it."""
    path = d / "sheets.xlsx"
    far = f'<row r="{rows}"><c r="CV{rows}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    _xlsx(path, far)
    rels = ['<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    book = [
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    ]
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
        kept = {n: z.read(n) for n in z.namelist() if n not in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in kept.items():
            z.writestr(name, data)
        for i in range(1, sheets + 1):
            rels.append(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                f'worksheet" Target="worksheets/sheet{i}.xml"/>'
            )
            book.append(f'<sheet name="T{i}" sheetId="{i}" r:id="rId{i}"/>')
            if i > 1:
                z.writestr(f"xl/worksheets/sheet{i}.xml", sheet)
        z.writestr("xl/workbook.xml", "".join(book) + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", "".join(rels) + "</Relationships>")
    return path


# --- .xlsb (BIFF12 records in a zip) -------------------------------------------------------------------


def _record(kind: int, body: bytes = b"") -> bytes:
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, out = len(body), bytearray()
    while True:
        out.append((size & 0x7F) | (0x80 if size > 0x7F else 0))
        size >>= 7
        if not size:
            break
    return head + bytes(out) + body


def _row(r: int) -> bytes:
    return _record(0, struct.pack("<IIHHBB", r, 0, 300, 0, 0, 0))  # BrtRowHdr: rw, ixfe, height, flags


def _number(c: int, value: float) -> bytes:
    return _record(5, struct.pack("<IId", c, 0, value))  # BrtCellReal: col, style, value


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def _book() -> bytes:
    """BrtBeginBook, one BrtBundleSh (visible, tab 1, rId1, "T3") in its bundle, BrtEndBook."""
    sheet = _record(156, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("T3"))
    return _record(131) + _record(143) + sheet + _record(144) + _record(132)


def _xlsb(path: Path, cells: bytes) -> Path:
    sheet = _record(129) + _record(145) + _row(0) + _number(0, 1.0) + cells + _record(146) + _record(130)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", _book())
        z.writestr(
            "xl/_rels/workbook.bin.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.bin"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.bin", sheet)
    return path


def xlsb_far_cell(d: Path) -> Path:
    return _xlsb(d / "far.xlsb", _row(1_048_575) + _number(16_383, 2.0))


def xlsb_wide_span(d: Path) -> Path:
    return _xlsb(d / "span.xlsb", _row(39_999) + _number(1_999, 2.0))


# --- .xls, .ods -------------------------------------------------------------------------------------


def xls_far_cell(d: Path) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("T3")
    for j, v in enumerate(HEADER):
        ws.write(0, j, v)
        ws.write(1, j, ROW[j])
    ws.write(65535, 255, "x")  # IV65536, the last cell of a BIFF8 sheet
    path = d / "far.xls"
    wb.save(str(path))
    return path


_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="T3">'
)


def _ods(path: Path, extra: str) -> Path:
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    rows = "".join(
        "<table:table-row>" + "".join(cell.format(v) for v in r) + "</table:table-row>" for r in (HEADER, ROW)
    )
    content = _ODS_HEAD + rows + extra + "</table:table></office:spreadsheet></office:body></office:document-content>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return path


def ods_far_column(d: Path) -> Path:
    far = (
        '<table:table-row table:number-rows-repeated="200000"><table:table-cell table:number-columns-repeated="16000"/>'
        '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )
    return _ods(d / "wide.ods", far)


def ods_far_row(d: Path) -> Path:
    far = (
        '<table:table-row table:number-rows-repeated="1000000000"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>H-2</text:p></table:table-cell>'
        "</table:table-row>"
    )
    return _ods(d / "deep.ods", far)


# --- Parquet, CSV ------------------------------------------------------------------------------------


def parquet_repeated_rows(d: Path) -> Path:
    import polars as pl

    path = d / "rows.parquet"
    frame = pl.select(pl.repeat("H-1", 20_000_000).alias("Mã vụ việc"), pl.lit("12/03/2021").alias("Ngày phát hiện"))
    frame.write_parquet(path, compression="zstd", statistics=False)
    return path


def parquet_long_list(d: Path) -> Path:
    import polars as pl

    path = d / "list.parquet"
    frame = pl.DataFrame({"Mã vụ việc": ["H-1"], "Ngày phát hiện": ["12/03/2021"]}).with_columns(
        pl.repeat(0, 20_000_000, dtype=pl.Int8).implode().alias("tags")
    )
    frame.write_parquet(path, compression="zstd", statistics=False)
    return path


def csv_one_long_line(d: Path, megabytes: int = 200) -> Path:
    path = d / "line.csv"
    with path.open("wb") as fh:
        fh.write(";".join(HEADER).encode() + b"\n" + ";".join(ROW).encode() + b"\n")
        block = b";" * (1 << 20)
        for _ in range(megabytes):
            fh.write(block)
        fh.write(b"\n")
    return path


def csv_stray_quote(d: Path) -> Path:
    """A stray quote in one row; the fields after it hold a (made-up) person's name and id number."""
    path = d / "quote.csv"
    path.write_text(
        "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Đối tượng;CCCD\n"
        'Q-1;12/03/2021;Huế;"Trần Thị Bí Mật;079188123456\n'
        "Q-2;13/03/2021;Lào Cai;Nguyễn Văn A;001200000001\n",
        encoding="utf-8",
    )
    return path


#: name -> builder; every one of these must be refused (or read) within bounds.
VARIANTS: dict[str, Callable[[Path], Path]] = {
    f.__name__: f
    for f in (
        xlsx_single_quotes,
        xlsx_tab_before_r,
        xlsx_nine_digit_row,
        xlsx_no_r_in_far_row,
        xlsx_part_outside_worksheets,
        xlsx_five_letter_column,
        xlsx_unused_shared_strings,
        xlsx_many_sheets,
        xlsb_far_cell,
        xlsb_wide_span,
        xls_far_cell,
        ods_far_column,
        ods_far_row,
        parquet_repeated_rows,
        parquet_long_list,
        csv_one_long_line,
    )
}


if __name__ == "__main__":  # pragma: no cover - a helper for looking by hand
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, build in VARIANTS.items():
        p = build(out)
        print(f"{name}: {p} ({p.stat().st_size:,} bytes)")
