from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from threadpoolctl import threadpool_limits

# one BLAS/OpenMP thread for the whole suite: on 2 shared cores more threads only fight (and 5x slower)
_THREADS = threadpool_limits(limits=1)

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258_bytes(text: str) -> bytes:
    """Text as Vietnamese Windows writes it in Windows-1258: tone marks as combining characters."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


@pytest.fixture
def report_xlsx(tmp_path):
    """A provincial report as units send it: title rows, merged two-row header, unit row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tháng 3"
    ws.append(["BÁO CÁO KẾT QUẢ CÔNG TÁC CHỐNG BUÔN LẬU THÁNG 3/2021"])
    ws.merge_cells("A1:J1")
    ws.append(["Đơn vị: Cục Hải quan tỉnh Lạng Sơn"])
    ws.append([])
    ws.append(
        [
            "STT",
            "Thông tin vụ việc",
            None,
            "Tỉnh/TP",
            "Phương thức vận chuyển",
            "Lĩnh vực",
            "Tang vật",
            "Trị giá",
            "Hình thức xử lý",
            "Cửa khẩu",
            "Ghi chú",
        ]
    )
    ws.append([None, "Số hồ sơ", "Ngày bắt giữ", None, None, None, None, "(triệu đồng)", None, None, None])
    ws.merge_cells("B4:C4")
    for col in "ADEFGIJK":
        ws.merge_cells(f"{col}4:{col}5")
    ws.append(
        [
            1,
            "LS-001",
            "12/03/2021",
            "Tỉnh Lạng Sơn",
            "Đường bộ",
            "Buôn lậu",
            "Thuốc lá điếu",
            15,
            "Xử phạt vi phạm hành chính",
            "Hữu Nghị",
            "ghi chú 1",
        ]
    )
    ws.append(
        [
            2,
            "LS-002",
            dt.datetime(2021, 3, 13),
            "lang son",
            "đường sắt",
            "Vận chuyển trái phép hàng hóa qua biên giới",
            "Hoa quả",
            "1.234,5",
            "Khởi tố",
            "Đồng Đăng",
            None,
        ]
    )
    ws.append(
        [
            3,
            "LS-003",
            44273,
            "TP.HCM",
            "Chuyển phát nhanh (CPN)",
            "Ma túy",
            "Ma túy tổng hợp",
            "2 tỷ 300 triệu",
            "Chuyển cơ quan khác đề nghị khởi tố",
            None,
            None,
        ]
    )
    ws.append(
        [
            4,
            "LS-004",
            "15.03.2021",
            "L¹ng S¬n",
            "§\u00adêng bé",
            "Bu«n lËu",
            "Thuèc l¸ ®iÕu",
            0.5,
            None,
            "H÷u NghÞ",
            None,
        ]
    )
    ws.append([None] * 11)
    ws.append([5, "LS-005", "31/02/2021", "Lạng Sơn", "Đường bộ", "Buôn lậu", "Pháo nổ", 3, None, None, None])
    ws.append([6, "LS-006", "16/03/2021", "Yên Bái", "Tàu vũ trụ", "Buôn lậu", "Gỗ", "nhiều", None, None, None])
    ws.append(["Tổng cộng", None, None, None, None, None, None, 2318.7345, None, None, None])
    ws2 = wb.create_sheet("Hướng dẫn")
    ws2.append(["Sheet này chỉ có ghi chú."])
    path = tmp_path / "LS_2021-03.xlsx"
    wb.save(path)
    return path
